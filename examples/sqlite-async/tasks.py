from fastapi_stackops.tasks import collection

ns = collection()
