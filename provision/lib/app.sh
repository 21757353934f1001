# shellcheck shell=bash
# Steps: the app built from the repo; the cjm server running (systemd unit or a direct start).

BUILD_STAMP_NAME=.provision-build-stamp
SERVER_PIDFILE=/run/cjm/cjm-server.pid
SERVER_LOG=/var/log/cjm/server.log
UNIT_FILE=/etc/systemd/system/cjm.service
SERVER_STAMP=/var/lib/cjm-provision/server-applied

# A hash of everything the build reads: when it matches the stamp in dist/, the build is current.
source_hash() {
  (
    cd "$REPO_DIR" || exit 1
    # Missing directories are fine (find and ls still list the rest).
    {
      find server tui web sql scripts -type f 2>/dev/null || true
      ls -1d package.json package-lock.json tsconfig*.json 2>/dev/null || true
    } | LC_ALL=C sort | xargs -r -d '\n' sha256sum | sha256sum | cut -c1-64
  )
}

deps_installed() {
  (cd "$REPO_DIR" && [[ -d node_modules ]] && timeout 120 npm ls --all >/dev/null 2>&1)
}

step_build() {
  local hash stamp=$REPO_DIR/dist/$BUILD_STAMP_NAME
  [[ -f "$REPO_DIR/package-lock.json" ]] || fail "$REPO_DIR has no package-lock.json; run provision.sh from the repo it belongs to"
  # npm ci wipes node_modules: only when what is installed does not match package-lock.json.
  if ! deps_installed; then
    (cd "$REPO_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
      || fail "npm ci failed in $REPO_DIR; see its output above (network? Node version?)"
    changed "npm ci"
  fi
  hash=$(source_hash)
  if [[ -f "$REPO_DIR/dist/server/main.js" && -f "$stamp" && "$(cat "$stamp")" == "$hash" ]]; then
    return 0
  fi
  (cd "$REPO_DIR" && npm run build --silent) || fail "npm run build failed in $REPO_DIR; see the compiler output above"
  [[ -f "$REPO_DIR/dist/server/main.js" ]] || fail "the build did not produce dist/server/main.js; check tsconfig.build.json"
  printf '%s\n' "$hash" >"$stamp"
  changed "built dist/ ($(cut -c1-12 <<<"$hash"))"
}

# Is the server answering system.ping?
server_healthy() {
  timeout 10 node "$PROVISION_DIR/lib/ping.mjs" "ws://127.0.0.1:$CJM_PORT/rpc" >/dev/null 2>&1
}

# A small wrapper so `cjm-tui` works from any shell.
install_tui_wrapper() {
  if write_file /usr/local/bin/cjm-tui 0755 root:root <<EOF_SH; then
#!/bin/sh
# Installed by provision/provision.sh: the cjm terminal dashboard, built in $REPO_DIR.
exec node "$REPO_DIR/dist/tui/main.js" "\$@"
EOF_SH
    changed "installed /usr/local/bin/cjm-tui"
  fi
}

# What the running server was started with: env file, unit, build, node. A server started from an
# older state is restarted; one started from this state and answering is left alone.
applied_state() {
  {
    cat "$ENV_FILE"
    [[ -f "$UNIT_FILE" ]] && has_systemd && cat "$UNIT_FILE"
    cat "$REPO_DIR/dist/$BUILD_STAMP_NAME" 2>/dev/null
    command -v node
  } | sha256sum | cut -c1-64
}

step_server() {
  local want
  [[ -f "$REPO_DIR/dist/server/main.js" ]] \
    || fail "$REPO_DIR/dist/server/main.js is missing; the build step did not run (CJM_SKIP_APP?) or produced nothing"
  install_tui_wrapper
  install -d -m 0755 /var/log/cjm "$(dirname "$SERVER_STAMP")"
  if has_systemd; then
    write_unit
    want=$(applied_state)
    server_under_systemd "$want"
  else
    want=$(applied_state)
    server_direct "$want"
  fi
  printf '%s\n' "$want" >"$SERVER_STAMP"
}

write_unit() {
  if write_file "$UNIT_FILE" 0644 root:root <<EOF_UNIT; then
[Unit]
Description=cjm job server (JSON-RPC on $CJM_LISTEN)
Documentation=file://$REPO_DIR/README.md
After=network-online.target docker.service mysql.service mariadb.service
Wants=network-online.target docker.service

[Service]
EnvironmentFile=$ENV_FILE
WorkingDirectory=$REPO_DIR
ExecStart=$(command -v node) $REPO_DIR/dist/server/main.js
Restart=on-failure
RestartSec=2
# Root: it drives dockerd and writes per-container cgroup files (IO weight).
User=root
NoNewPrivileges=yes

[Install]
WantedBy=multi-user.target
EOF_UNIT
    systemctl daemon-reload
    changed "wrote $UNIT_FILE"
  fi
}

server_started_from() {
  [[ -f "$SERVER_STAMP" && "$(cat "$SERVER_STAMP")" == "$1" ]]
}

# Print the last lines of the server's log (indented), then stop with what to do.
fail_with_log() {
  local what=$1 where
  if has_systemd; then
    journalctl -u cjm -n 15 --no-pager 2>/dev/null | sed 's/^/    | /' >&2 || true
    where="journalctl -u cjm"
  else
    tail -n 15 "$SERVER_LOG" 2>/dev/null | sed 's/^/    | /' >&2 || true
    where=$SERVER_LOG
  fi
  fail "$what; its last log lines are above (all of it: $where). Fix the cause and run provision again"
}

server_under_systemd() {
  local want=$1
  if [[ "$(systemctl is-enabled cjm 2>/dev/null)" != enabled ]]; then
    systemctl enable cjm >/dev/null 2>&1 || fail "systemctl enable cjm failed"
    changed "enabled cjm"
  fi
  if ! systemctl is-active --quiet cjm; then
    systemctl start cjm || fail_with_log "systemctl start cjm failed"
    changed "started cjm"
  elif ! server_started_from "$want" || ! server_healthy; then
    systemctl restart cjm || fail_with_log "systemctl restart cjm failed"
    changed "restarted cjm"
  else
    log "cjm.service is active and healthy"
    return 0
  fi
  wait_until 30 server_healthy || fail_with_log "the server does not answer system.ping on ws://127.0.0.1:$CJM_PORT/rpc"
}

pid_gone() {
  ! pid_alive "$1"
}

stop_direct_server() {
  local pid=$1
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_until 15 pid_gone "$pid"; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 5 pid_gone "$pid" || true
  fi
  rm -f "$SERVER_PIDFILE"
}

# Wait until the server answers; give up early when its process is gone.
wait_for_server() {
  local pid=$1 deadline=$((SECONDS + 30))
  while ((SECONDS < deadline)); do
    server_healthy && return 0
    pid_alive "$pid" || return 1
    sleep 0.5
  done
  return 1
}

# Without systemd: setsid + nohup, a pid file and a log in /var/log/cjm.
server_direct() {
  local want=$1 pid
  if pid=$(pidfile_pid "$SERVER_PIDFILE"); then
    if server_started_from "$want" && server_healthy; then
      log "cjm server (pid $pid) is healthy"
      return 0
    fi
    log "restarting cjm server (pid $pid): $(server_started_from "$want" && echo 'it does not answer' || echo 'build or configuration changed')"
    stop_direct_server "$pid"
  else
    remove_stale_pidfile "$SERVER_PIDFILE"
  fi
  if server_healthy; then
    fail "something else answers on port $CJM_PORT (not the pid in $SERVER_PIDFILE); stop it and run again"
  fi
  install -d -m 0755 "$(dirname "$SERVER_PIDFILE")"
  printf '\n=== %s provision.sh starts the server\n' "$(date -Is)" >>"$SERVER_LOG"
  (
    set -a
    # shellcheck source=/dev/null
    . "$ENV_FILE"
    set +a
    cd "$REPO_DIR" || exit 1
    setsid nohup node dist/server/main.js >>"$SERVER_LOG" 2>&1 </dev/null &
    echo $! >"$SERVER_PIDFILE"
  )
  pid=$(cat "$SERVER_PIDFILE")
  if ! wait_for_server "$pid"; then
    if pid_alive "$pid"; then
      fail_with_log "the server (pid $pid) runs but did not answer system.ping within 30 s"
    fi
    rm -f "$SERVER_PIDFILE"
    fail_with_log "the server exited right after starting"
  fi
  changed "started cjm server (pid $pid, log $SERVER_LOG)"
}
