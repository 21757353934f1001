# shellcheck shell=bash
# Shared helpers for provision.sh: step runner, change tracking, process checks.
# Sourced, never run. Every step is a function that calls `changed "why"` when it altered the
# machine and `fail "what to do"` when it cannot go on; the runner prints the verdict.

CURRENT_STEP=""
STEP_CHANGES=()
CHANGED_STEPS=()

log() { printf '    %s\n' "$*"; }

# Stop the whole run, naming the step and what the user should do about it.
fail() {
  printf 'provision: step %s failed: %s\n' "${CURRENT_STEP:-setup}" "$*" >&2
  exit 1
}

# The ERR trap: an unexpected command failure inside a step.
on_error() {
  local rc=$1 line=$2 cmd=$3
  # In a subshell, leave the message to the command in the main shell that ran it.
  if ((BASH_SUBSHELL > 0)); then exit "$rc"; fi
  printf 'provision: step %s failed: command "%s" exited %s (%s line %s); fix the cause shown above and run again\n' \
    "${CURRENT_STEP:-setup}" "$cmd" "$rc" "${BASH_SOURCE[1]:-?}" "$line" >&2
  exit "$rc"
}

# join SEP item...: the items with SEP between them.
join() {
  local sep=$1 out=$2 item
  shift 2
  for item in "$@"; do out+=$sep$item; done
  printf '%s\n' "$out"
}

changed() {
  STEP_CHANGES+=("$*")
}

# run_step "title" function [args...]: prints "==> title", then "ok (unchanged)" or "changed: ...".
run_step() {
  local title=$1
  shift
  CURRENT_STEP=$title
  STEP_CHANGES=()
  printf '==> %s\n' "$title"
  "$@"
  if ((${#STEP_CHANGES[@]} == 0)); then
    log "ok (unchanged)"
  else
    log "changed: $(join '; ' "${STEP_CHANGES[@]}")"
    CHANGED_STEPS+=("$title")
  fi
  CURRENT_STEP=""
}

# A step that the configuration asked to leave alone.
skip_step() {
  printf '==> %s\n' "$1"
  log "skipped ($2)"
}

# systemd manages services only when it is PID 1 (not in containers or these CI machines).
has_systemd() {
  [[ "$(cat /proc/1/comm 2>/dev/null)" == systemd ]] && command -v systemctl >/dev/null
}

# True when PID names a live process that is not a zombie. `kill -0` succeeds on zombies, so the
# process state in /proc decides.
pid_alive() {
  local pid=$1 state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  state=$(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# The live pid recorded in FILE, or nothing (and status 1) when the file is missing or stale.
pidfile_pid() {
  local file=$1 pid
  [[ -f "$file" ]] || return 1
  pid=$(tr -dc '0-9' <"$file")
  pid_alive "$pid" || return 1
  printf '%s\n' "$pid"
}

# Remove FILE when the process it names is gone or a zombie; says so.
remove_stale_pidfile() {
  local file=$1
  [[ -f "$file" ]] || return 0
  if ! pidfile_pid "$file" >/dev/null; then
    rm -f "$file"
    log "removed stale pid file $file"
  fi
}

# wait_until SECONDS command...: poll every 0.5 s.
wait_until() {
  local seconds=$1
  shift
  local tries=$((seconds * 2))
  while ((tries-- > 0)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  return 1
}

# install_file SRC DEST MODE [OWNER]: copy when the content differs; returns 0 when it changed the
# file (content, mode or owner), 1 when it was already right.
install_file() {
  local src=$1 dest=$2 mode=$3 owner=${4:-root:root} did=1
  if [[ ! -f "$dest" ]] || ! cmp -s "$src" "$dest"; then
    install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$src" "$dest"
    did=0
  fi
  if [[ "$(stat -c '%a %U:%G' "$dest")" != "${mode#0} $owner" ]]; then
    chmod "$mode" "$dest"
    chown "$owner" "$dest"
    did=0
  fi
  return "$did"
}

# write_file DEST MODE [OWNER] < content: like install_file, from stdin.
write_file() {
  local tmp rc=0
  tmp=$(mktemp)
  cat >"$tmp"
  install_file "$tmp" "$@" || rc=$?
  rm -f "$tmp"
  return "$rc"
}

# A random hex secret, from openssl when present, else the kernel.
random_hex() {
  local bytes=$1
  if command -v openssl >/dev/null; then
    openssl rand -hex "$bytes"
  else
    head -c "$bytes" /dev/urandom | od -An -tx1 | tr -d ' \n'
    echo
  fi
}

# Read KEY from an env file (KEY=VALUE lines) without sourcing it.
env_file_get() {
  local file=$1 key=$2
  [[ -r "$file" ]] || return 0
  sed -n "s/^${key}=//p" "$file" | tail -n 1
}

# The first live (non-zombie) process with exactly this name.
live_process_named() {
  local pid
  for pid in $(pgrep -x "$1"); do
    if pid_alive "$pid"; then
      printf '%s\n' "$pid"
      return 0
    fi
  done
  return 1
}
