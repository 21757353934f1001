#!/usr/bin/env bash
# cjm: install, configure and start everything, on the Vagrant VM or a plain Debian 12 /
# Ubuntu 22.04 / 24.04 host. Run as root from the repo:  sudo provision/provision.sh
# Idempotent: a second run changes nothing and restarts nothing that is healthy.
#
# Environment (all optional):
#   CJM_HTTP_PORT=80          Apache's port (CI uses 8080)
#   CJM_HTTP_ADDR=127.0.0.1   address of the standalone Apache (only without systemd)
#   CJM_LISTEN=127.0.0.1:5000 the Node server's address (the VM uses 0.0.0.0:5000 for the forward)
#   CJM_DATA_DIR=/var/lib/cjm CJM_LOG_LEVEL=info
#                             (these three: default to what /etc/cjm/cjm.env already says)
#   CJM_DB_PASSWORD, CJM_ADMIN_TOKEN  use these instead of the generated (or stored) ones
#   CJM_IOSCHED=bfq           set the BFQ I/O scheduler on the disks (persistently, udev rule)
#   CJM_SKIP_APP=1            system only: skip npm ci/build and the server
#   CJM_EXTRA_PACKAGES="..."  more apt packages to install (CI's test tools)
# shellcheck source-path=SCRIPTDIR
set -Eeuo pipefail

PROVISION_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$PROVISION_DIR/.." && pwd)

# shellcheck source=lib/common.sh
. "$PROVISION_DIR/lib/common.sh"
# shellcheck source=lib/packages.sh
. "$PROVISION_DIR/lib/packages.sh"
# shellcheck source=lib/docker.sh
. "$PROVISION_DIR/lib/docker.sh"
# shellcheck source=lib/database.sh
. "$PROVISION_DIR/lib/database.sh"
# shellcheck source=lib/secrets.sh
. "$PROVISION_DIR/lib/secrets.sh"
# shellcheck source=lib/app.sh
. "$PROVISION_DIR/lib/app.sh"
# shellcheck source=lib/apache.sh
. "$PROVISION_DIR/lib/apache.sh"
# shellcheck source=lib/iosched.sh
. "$PROVISION_DIR/lib/iosched.sh"

trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

CJM_HTTP_PORT=${CJM_HTTP_PORT:-80}
CJM_HTTP_ADDR=${CJM_HTTP_ADDR:-127.0.0.1}
# Server settings: the environment, else what the env file says (so edits there stick), else defaults.
CJM_LISTEN=${CJM_LISTEN:-$(env_file_get "$ENV_FILE" CJM_LISTEN)}
CJM_LISTEN=${CJM_LISTEN:-127.0.0.1:5000}
CJM_PORT=${CJM_LISTEN##*:}
CJM_DATA_DIR=${CJM_DATA_DIR:-$(env_file_get "$ENV_FILE" CJM_DATA_DIR)}
CJM_DATA_DIR=${CJM_DATA_DIR:-/var/lib/cjm}
CJM_LOG_LEVEL=${CJM_LOG_LEVEL:-$(env_file_get "$ENV_FILE" CJM_LOG_LEVEL)}
CJM_LOG_LEVEL=${CJM_LOG_LEVEL:-info}
CJM_IOSCHED=${CJM_IOSCHED:-keep}
CJM_SKIP_APP=${CJM_SKIP_APP:-0}
DOCKERD_LOG=/var/log/cjm/dockerd.log
CLIENT_CONFIG=""

check_preconditions() {
  CURRENT_STEP="preconditions"
  [[ "$(id -u)" == 0 ]] || fail "run as root: sudo $0"
  [[ -r /etc/os-release ]] || fail "no /etc/os-release; this script supports Debian 12 and Ubuntu 22.04/24.04"
  DISTRO=$(. /etc/os-release && echo "${ID:-unknown}")
  case "$DISTRO" in
    debian | ubuntu) ;;
    *) fail "unsupported distribution '$DISTRO'; this script supports Debian 12 and Ubuntu 22.04/24.04" ;;
  esac
  [[ "$CJM_HTTP_PORT" =~ ^[0-9]+$ ]] || fail "CJM_HTTP_PORT must be a port number, not '$CJM_HTTP_PORT'"
  [[ "$CJM_PORT" =~ ^[0-9]+$ ]] || fail "CJM_LISTEN must be HOST:PORT, not '$CJM_LISTEN'"
  DB_LOG=/var/log/$(command -v mariadbd >/dev/null && echo mariadb || echo mysql).err
  mkdir -p /var/log/cjm
  CURRENT_STEP=""
}

print_summary() {
  local host_port=$CJM_HTTP_PORT
  # In the VM, Vagrant forwards guest 80 to the host's 8080.
  if id vagrant >/dev/null 2>&1 && [[ "$CJM_HTTP_PORT" == 80 ]]; then host_port=8080; fi
  local state="cjm is ready."
  [[ "$CJM_SKIP_APP" == 1 ]] && state="cjm's services are ready; the app was skipped (CJM_SKIP_APP=1)."
  cat <<EOF_SUMMARY

$state
  Web page:  http://localhost:$host_port/   (through Apache; in the VM: from the host)
  JSON-RPC:  ws://localhost:$host_port/rpc   (through Apache)
             ws://127.0.0.1:$CJM_PORT/rpc   (the server itself)
  Token:     CJM_ADMIN_TOKEN in $ENV_FILE (root only)${CLIENT_CONFIG:+
             and in $CLIENT_CONFIG for $(login_user)}
  Terminal:  cjm-tui   (reads ${CLIENT_CONFIG:-~/.config/cjm/config.json}; in the VM: vagrant ssh -c cjm-tui)
  Logs:      /var/log/cjm/
EOF_SUMMARY
}

main() {
  check_preconditions
  run_step "apt packages" step_packages
  run_step "node 20" step_node
  run_step "docker" step_docker
  run_step "database server" step_database_server
  run_step "env file $ENV_FILE" step_env_file
  run_step "database cjm and user cjm" step_database_user
  run_step "client config" step_client_config
  if [[ "$CJM_SKIP_APP" == 1 ]]; then
    skip_step "build" "CJM_SKIP_APP=1"
    skip_step "cjm server" "CJM_SKIP_APP=1"
  else
    run_step "build" step_build
    run_step "cjm server" step_server
  fi
  run_step "apache on port $CJM_HTTP_PORT" step_apache
  if [[ "$CJM_IOSCHED" == bfq ]]; then
    run_step "bfq io scheduler" step_iosched
  else
    skip_step "bfq io scheduler" "CJM_IOSCHED=bfq to set it; see README, IO weight"
  fi
  print_summary
  if ((${#CHANGED_STEPS[@]} == 0)); then
    echo "provision: nothing changed"
  else
    echo "provision: changed ${#CHANGED_STEPS[@]} step(s): $(join ', ' "${CHANGED_STEPS[@]}")"
  fi
}

main "$@"
