# shellcheck shell=bash
# Step: Apache in front of the server (apache/cjm.conf): a site under systemd, else a standalone
# instance with a generated config.

APACHE_MODULES=(proxy proxy_http proxy_wstunnel headers rewrite)
STANDALONE_DIR=/etc/cjm/apache
STANDALONE_CONF=$STANDALONE_DIR/httpd.conf
STANDALONE_RUN=/run/cjm/apache
STANDALONE_PIDFILE=$STANDALONE_RUN/httpd.pid

step_apache() {
  [[ -f "$REPO_DIR/apache/cjm.conf" ]] || fail "$REPO_DIR/apache/cjm.conf is missing"
  if has_systemd; then
    apache_site
  else
    apache_standalone
  fi
  wait_until 15 apache_answers || fail "Apache does not answer HTTP on 127.0.0.1:$CJM_HTTP_PORT; see $(apache_error_log)"
}

apache_error_log() {
  if has_systemd; then echo /var/log/apache2/error.log; else echo /var/log/cjm/apache-error.log; fi
}

# Any HTTP answer will do (502/503 while the server is down): this checks Apache, not the app.
apache_answers() {
  local code
  code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "http://127.0.0.1:$CJM_HTTP_PORT/") || true
  [[ "$code" != 000 && -n "$code" ]]
}

apache_configtest() {
  local out
  out=$("$@" 2>&1) || fail "Apache's config test failed: $(tr '\n' ' ' <<<"$out")"
}

# With systemd (the VM): modules, a conf with the Defines, the site; reload only if something changed.
apache_site() {
  local m reload=0 params
  for m in "${APACHE_MODULES[@]}"; do
    if [[ ! -e /etc/apache2/mods-enabled/$m.load ]]; then
      a2enmod -q "$m" >/dev/null || fail "a2enmod $m failed"
      changed "enabled module $m"
      reload=1
    fi
  done
  params="Define CJM_HTTP_PORT $CJM_HTTP_PORT
Define CJM_BACKEND 127.0.0.1:$CJM_PORT"
  # ports.conf already listens on 80; any other port needs its own Listen.
  if [[ "$CJM_HTTP_PORT" != 80 ]]; then params+=$'\n'"Listen $CJM_HTTP_PORT"; fi
  if write_file /etc/apache2/conf-available/cjm-params.conf 0644 root:root <<<"# Written by provision/provision.sh: parameters of sites-available/cjm.conf
$params"; then
    changed "wrote conf cjm-params"
    reload=1
  fi
  if install_file "$REPO_DIR/apache/cjm.conf" /etc/apache2/sites-available/cjm.conf 0644 root:root; then
    changed "installed site cjm"
    reload=1
  fi
  if [[ ! -e /etc/apache2/conf-enabled/cjm-params.conf ]]; then
    a2enconf -q cjm-params >/dev/null || fail "a2enconf cjm-params failed"
    changed "enabled conf cjm-params"
    reload=1
  fi
  if [[ ! -e /etc/apache2/sites-enabled/cjm.conf ]]; then
    a2ensite -q cjm >/dev/null || fail "a2ensite cjm failed"
    changed "enabled site cjm"
    reload=1
  fi
  # On port 80 the default site would shadow ours.
  if [[ "$CJM_HTTP_PORT" == 80 && -e /etc/apache2/sites-enabled/000-default.conf ]]; then
    a2dissite -q 000-default >/dev/null || fail "a2dissite 000-default failed"
    changed "disabled site 000-default"
    reload=1
  fi
  apache_configtest apache2ctl configtest
  systemd_service apache2
  if ((reload)); then
    systemctl reload apache2 || fail "systemctl reload apache2 failed; see journalctl -u apache2"
  fi
}

# Without systemd (CI machines, containers): our own config around cjm.conf, started with
# `apache2 -f CONF -k start`, listening on CJM_HTTP_ADDR:CJM_HTTP_PORT.
apache_standalone() {
  local reload=0 pid
  install -d -m 0755 "$STANDALONE_DIR" "$STANDALONE_RUN" /var/log/cjm
  if install_file "$REPO_DIR/apache/cjm.conf" "$STANDALONE_DIR/cjm.conf" 0644 root:root; then
    changed "installed $STANDALONE_DIR/cjm.conf"
    reload=1
  fi
  if "$PROVISION_DIR/lib/apache-standalone-conf.sh" "$CJM_HTTP_ADDR" "$CJM_HTTP_PORT" "127.0.0.1:$CJM_PORT" \
    "$STANDALONE_DIR/cjm.conf" "$STANDALONE_RUN" /var/log/cjm | write_file "$STANDALONE_CONF" 0644 root:root; then
    changed "wrote $STANDALONE_CONF"
    reload=1
  fi
  apache_configtest apache2 -t -f "$STANDALONE_CONF"
  if pid=$(pidfile_pid "$STANDALONE_PIDFILE"); then
    if ((reload)); then
      apache2 -f "$STANDALONE_CONF" -k graceful || fail "apache2 -k graceful failed; see /var/log/cjm/apache-error.log"
      changed "reloaded Apache (pid $pid)"
    fi
    return 0
  fi
  remove_stale_pidfile "$STANDALONE_PIDFILE"
  if apache_answers; then
    fail "something else already answers on port $CJM_HTTP_PORT; stop it or set CJM_HTTP_PORT to a free port"
  fi
  apache2 -f "$STANDALONE_CONF" -k start || fail "apache2 -k start failed; see /var/log/cjm/apache-error.log"
  wait_until 10 pidfile_pid "$STANDALONE_PIDFILE" || fail "Apache did not stay up; see /var/log/cjm/apache-error.log"
  changed "started Apache on $CJM_HTTP_ADDR:$CJM_HTTP_PORT (pid $(pidfile_pid "$STANDALONE_PIDFILE"))"
}
