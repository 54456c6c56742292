from stackops.tasks import collection

ns = collection()
