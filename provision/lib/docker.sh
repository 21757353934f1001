# shellcheck shell=bash
# Step: a running Docker daemon.

DOCKERD_PIDFILE=/var/run/docker.pid
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid

docker_answers() {
  timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

# systemd_service NAME: enable it and make sure it is active; reports what it changed.
systemd_service() {
  local unit=$1
  if [[ "$(systemctl is-enabled "$unit" 2>/dev/null)" != enabled ]]; then
    systemctl enable "$unit" >/dev/null 2>&1 || fail "systemctl enable $unit failed; see systemctl status $unit"
    changed "enabled $unit"
  fi
  if ! systemctl is-active --quiet "$unit"; then
    systemctl start "$unit" || fail "systemctl start $unit failed; see journalctl -u $unit"
    changed "started $unit"
  fi
}

step_docker() {
  if has_systemd; then
    systemd_service docker
  elif ! docker_answers; then
    start_dockerd_directly
  fi
  wait_until 30 docker_answers || fail "Docker does not answer on /var/run/docker.sock; see ${DOCKERD_LOG:-journalctl -u docker}"
  log "docker $(docker version --format '{{.Server.Version}}')"
}

# Without systemd: start dockerd the way that works on these machines (its init script does not:
# it trips over ulimit). A dockerd that is alive but silent is given time, never killed.
start_dockerd_directly() {
  local pid
  if pid=$(pidfile_pid "$DOCKERD_PIDFILE"); then
    log "dockerd (pid $pid) is running but not answering yet; waiting"
    wait_until 30 docker_answers && return 0
    fail "dockerd (pid $pid) runs but does not answer; look at $DOCKERD_LOG, stop it (kill $pid) and run again"
  fi
  # Killed daemons linger as zombies and leave pid files that make the next dockerd or containerd
  # refuse to start.
  remove_stale_pidfile "$DOCKERD_PIDFILE"
  remove_stale_pidfile "$CONTAINERD_PIDFILE"
  mkdir -p "$(dirname "$DOCKERD_LOG")"
  setsid nohup dockerd --host=unix:///var/run/docker.sock --pidfile="$DOCKERD_PIDFILE" \
    >>"$DOCKERD_LOG" 2>&1 </dev/null &
  wait_until 30 docker_answers \
    || fail "dockerd did not come up within 30 s; last lines of $DOCKERD_LOG: $(tail -n 5 "$DOCKERD_LOG" | tr '\n' ' ')"
  changed "started dockerd (pid $(pidfile_pid "$DOCKERD_PIDFILE" || echo '?'))"
}
