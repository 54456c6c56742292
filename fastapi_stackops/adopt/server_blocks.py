"""The Compose services of the backing servers init writes beside the app, as templates: PostgreSQL, MariaDB (for MySQL
clients), Redis and RabbitMQ, each hardened and health-gated; backing.py fills them in."""

POSTGRES = """  {name}:
    image: ${{POSTGRES_BASE_IMAGE-{official}}}
{command}    environment:
      POSTGRES_USER: {user}
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD?set POSTGRES_PASSWORD in the env file or its local overlay}}
      POSTGRES_DB: {database}
{auth_line}    volumes:
      - db-data:{data}
{init_mount}    read_only: true
    tmpfs: [/tmp, "/var/run/postgresql:uid=0,mode=1777"]
    # The entrypoint hands the data folder to the postgres user, then drops to it.
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 1g
    pids_limit: 256
    shm_size: 128m
    stop_signal: SIGINT
    healthcheck:
      # Over TCP: the server PostgreSQL runs while it initialises listens on the socket only.
      test: ["CMD-SHELL", "pg_isready -q -h 127.0.0.1 -U {user} -d {database}"]
      interval: 2s
      timeout: 3s
      start_period: 60s
      retries: 10
    restart: unless-stopped
"""
MARIADB = """  {name}:
    image: ${{MARIADB_BASE_IMAGE-{official}}}
{command}    environment:
{user_line}      MARIADB_PASSWORD: ${{MARIADB_PASSWORD?set MARIADB_PASSWORD in the env file or its local overlay}}
      MARIADB_DATABASE: {database}
{root_line}    volumes:
      - db-data:{data}
{init_mount}    read_only: true
    tmpfs: [/tmp, /run/mysqld]
    # The entrypoint hands the data folder to the mysql user, then drops to it.
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 1g
    pids_limit: 256
    healthcheck:
      # Over TCP, as the app: the server MariaDB runs while it initialises has no network.
      test:
        - CMD-SHELL
        - mariadb-admin ping --protocol=tcp -h 127.0.0.1 -u {user} --password="$$MARIADB_PASSWORD" --silent
      interval: 2s
      timeout: 3s
      start_period: 60s
      retries: 10
    restart: unless-stopped
"""
REDIS = """  {name}:
    image: ${{REDIS_BASE_IMAGE-redis:7-bookworm}}
    # Other containers connect without a password, on the stack's own network: protected mode would refuse them.
    command: ["redis-server", "--appendonly", "yes", "--protected-mode", "no"]
    volumes:
      - redis-data:{data}
    security_opt: ["no-new-privileges:true"]
    mem_limit: 256m
    pids_limit: 64
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 2s
      timeout: 3s
      retries: 10
    restart: unless-stopped
"""
RABBITMQ = """  {name}:
    image: ${{RABBITMQ_BASE_IMAGE-rabbitmq:3}}
    # Its data lives under its node name: a fixed one, as a recreated container gets a new host name.
    hostname: {name}
    environment:
      RABBITMQ_NODENAME: rabbit@localhost
      RABBITMQ_DEFAULT_USER: {user}
      RABBITMQ_DEFAULT_PASS: ${{RABBITMQ_PASSWORD?set RABBITMQ_PASSWORD in the env file or its local overlay}}
{guest}    volumes:
      - rabbitmq-data:{data}
    read_only: true
    # Where either image writes besides its data: the official one's logs, the substitute's (set to /tmp).
    tmpfs: [/tmp, /var/log/rabbitmq]
    # The official image's entrypoint hands its data to the rabbitmq user, then drops to it.
    cap_drop: [ALL]
    cap_add: [CHOWN, DAC_OVERRIDE, FOWNER, SETGID, SETUID]
    security_opt: ["no-new-privileges:true"]
    mem_limit: 512m
    pids_limit: 512
    healthcheck:
      # The AMQP port opens once the broker has booted; a TCP check costs nothing, where its CLI starts an Erlang VM.
      test: ["CMD", "bash", "-c", "</dev/tcp/127.0.0.1/5672"]
      interval: 2s
      timeout: 3s
      start_period: 60s
      retries: 10
    restart: unless-stopped
"""
#: RabbitMQ lets its guest user in from its own host alone; the code that logs in as guest is another container.
GUEST_FROM_ANYWHERE = '      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: "-rabbit loopback_users []"\n'

#: PostgreSQL's answer to a login the code writes with no password (`postgresql://me:@localhost/db`): trust, which a
#: test stack on its own network may give; a password the server made would refuse it ("no password supplied").
TRUSTED = (
    "      # The app's code logs in with no password: the stack's server asks none.\n      POSTGRES_HOST_AUTH_METHOD: trust\n"
)
#: MariaDB's root with no password, as the code logs in (`mysql://root:@localhost/db`, a local install's default).
EMPTY_ROOT = '      # The code logs in as root with no password.\n      MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1"\n'

#: TLS on the image's own snakeoil certificate (Debian's ssl-cert, in the official image and the substitute alike),
#: for an app whose code requires it (`sslmode=require`, a cloud database's): a test stack's, not a trusted one.
SSL_ON = (
    "    # The app's code requires TLS (sslmode=require): on, with the image's own self-signed certificate.\n"
    '    command: [postgres, -c, ssl=on, -c, "ssl_cert_file=/etc/ssl/certs/ssl-cert-snakeoil.pem", '
    '-c, "ssl_key_file=/etc/ssl/private/ssl-cert-snakeoil.key"]\n'
)
