# shellcheck shell=bash
# Steps: a running MySQL/MariaDB server; the cjm database and user.

db_server_bin() {
  if command -v mariadbd >/dev/null; then echo mariadbd; else echo mysqld; fi
}

# Root reaches the server over the unix socket (socket auth on both Debian and Ubuntu).
db_root() {
  timeout 20 mysql --protocol=socket -uroot -NB "$@"
}

db_answers() {
  db_root -e 'SELECT 1' >/dev/null 2>&1
}

db_service_unit() {
  local u
  for u in mariadb mysql; do
    if systemctl list-unit-files "$u.service" 2>/dev/null | grep -q "^$u.service"; then
      echo "$u"
      return 0
    fi
  done
  echo mysql
}

step_database_server() {
  if has_systemd; then
    systemd_service "$(db_service_unit)"
  elif ! db_answers; then
    start_db_directly
  fi
  wait_until 60 db_answers || fail "the database does not answer on its socket; see ${DB_LOG} (or journalctl -u $(db_service_unit))"
  log "$(db_root -e 'SELECT VERSION()')"
}

# Without systemd: initialise the data directory when it is empty, then start the server
# directly. A server process that is alive is waited for, never killed.
start_db_directly() {
  local bin pid pidfile=/run/mysqld/mysqld.pid
  bin=$(db_server_bin)
  if pid=$(pidfile_pid "$pidfile") || pid=$(live_process_named "$bin"); then
    log "$bin (pid $pid) is running but not answering yet; waiting"
    wait_until 60 db_answers && return 0
    fail "$bin (pid $pid) runs but does not answer; look at $DB_LOG, stop it (kill $pid) and run again"
  fi
  remove_stale_pidfile "$pidfile"
  install -d -m 0755 -o mysql -g mysql /run/mysqld
  if [[ ! -d /var/lib/mysql/mysql ]]; then
    if [[ "$bin" == mariadbd ]]; then
      mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null \
        || fail "mariadb-install-db failed; see its output above"
    else
      mysqld --initialize-insecure --user=mysql --datadir=/var/lib/mysql \
        || fail "mysqld --initialize-insecure failed; see its output above"
    fi
    changed "initialised /var/lib/mysql"
  fi
  setsid nohup "$bin" --user=mysql --bind-address=127.0.0.1 --log-error="$DB_LOG" >/dev/null 2>&1 </dev/null &
  wait_until 60 db_answers \
    || fail "$bin did not answer within 60 s; last lines of $DB_LOG: $(tail -n 5 "$DB_LOG" 2>/dev/null | tr '\n' ' ')"
  changed "started $bin"
}

# cjm_login_works HOSTARGS...: can user cjm log in with DB_PASSWORD that way?
cjm_login_works() {
  MYSQL_PWD=$DB_PASSWORD timeout 20 mysql -ucjm -NB "$@" -e 'SELECT 1' >/dev/null 2>&1
}

# Database cjm; user cjm for both 'localhost' (socket) and '127.0.0.1' (TCP: how the server
# connects), with the password from the env file; ALL on cjm and on cjm\_% so tests can make
# throwaway databases cjm_test_<random>.
step_database_user() {
  local host before after
  if [[ -z "$(db_root -e "SHOW DATABASES LIKE 'cjm'")" ]]; then
    db_root -e 'CREATE DATABASE cjm CHARACTER SET utf8mb4' || fail "could not create database cjm"
    changed "created database cjm"
  fi
  for host in localhost 127.0.0.1; do
    if [[ -z "$(db_root -e "SELECT 1 FROM mysql.user WHERE user='cjm' AND host='$host'")" ]]; then
      # SQL with the password goes in on stdin, not argv (which ps shows).
      db_root <<<"CREATE USER 'cjm'@'$host' IDENTIFIED BY '$DB_PASSWORD'" || fail "could not create user 'cjm'@'$host'"
      changed "created user cjm@$host"
    fi
  done
  if ! cjm_login_works --protocol=socket || ! cjm_login_works --protocol=tcp -h127.0.0.1 -P3306; then
    db_root <<<"ALTER USER 'cjm'@'localhost' IDENTIFIED BY '$DB_PASSWORD'; ALTER USER 'cjm'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD'" \
      || fail "could not set the password of user cjm"
    changed "set the password of user cjm"
  fi
  before=$(db_root -e "SHOW GRANTS FOR 'cjm'@'localhost'; SHOW GRANTS FOR 'cjm'@'127.0.0.1'")
  db_root <<'SQL' || fail "could not grant privileges to user cjm"
GRANT ALL PRIVILEGES ON `cjm`.* TO 'cjm'@'localhost';
GRANT ALL PRIVILEGES ON `cjm\_%`.* TO 'cjm'@'localhost';
GRANT ALL PRIVILEGES ON `cjm`.* TO 'cjm'@'127.0.0.1';
GRANT ALL PRIVILEGES ON `cjm\_%`.* TO 'cjm'@'127.0.0.1';
SQL
  after=$(db_root -e "SHOW GRANTS FOR 'cjm'@'localhost'; SHOW GRANTS FOR 'cjm'@'127.0.0.1'")
  [[ "$before" == "$after" ]] || changed "granted cjm and cjm\\_% to user cjm"
  cjm_login_works --protocol=tcp -h127.0.0.1 -P3306 cjm \
    || fail "user cjm still cannot log in over TCP; check bind-address and skip-networking in the server's config"
}
