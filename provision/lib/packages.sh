# shellcheck shell=bash
# Steps: distribution packages and Node.js.

APT_UPDATED=0

apt_update_once() {
  ((APT_UPDATED)) && return 0
  apt-get update -qq || fail "apt-get update failed; check the network and /etc/apt/sources.list*"
  APT_UPDATED=1
}

is_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# apt_install pkg...: installs the missing ones only.
apt_install() {
  local missing=() p
  for p in "$@"; do
    is_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || fail "apt-get install ${missing[*]} failed; run it by hand to see why"
  changed "installed ${missing[*]}"
}

# The packages the system needs. Docker is the distribution's package; the database is MySQL 8.0 on
# Ubuntu and MariaDB on Debian (Debian has no MySQL 8). CJM_EXTRA_PACKAGES adds more (CI test tools).
step_packages() {
  local db
  case "$DISTRO" in
    ubuntu) db=mysql-server ;;
    *) db=mariadb-server ;;
  esac
  # shellcheck disable=SC2086 # CJM_EXTRA_PACKAGES is a space-separated list
  apt_install ca-certificates curl gnupg openssl git rsync docker.io "$db" apache2 ${CJM_EXTRA_PACKAGES:-}
}

node_major() {
  local v
  v=$(node --version 2>/dev/null) || return 1
  v=${v#v}
  printf '%s\n' "${v%%.*}"
}

# Node 20 or newer; when missing or older, NodeSource's apt repository (the VM has the internet).
step_node() {
  local major
  major=$(node_major || echo 0)
  if ((major >= 20)) && command -v npm >/dev/null; then
    log "node $(node --version), npm $(npm --version)"
    return 0
  fi
  log "node ${major/#0/missing} is too old; installing Node 20 from NodeSource"
  install -d -m 0755 /etc/apt/keyrings
  curl -fsSL https://deb.nodesource.com/gpgkey/nodesource-repo.gpg.key \
    | gpg --dearmor --batch --yes -o /etc/apt/keyrings/nodesource.gpg \
    || fail "could not fetch NodeSource's key; check the network, or install Node >= 20 yourself and run again"
  echo "deb [signed-by=/etc/apt/keyrings/nodesource.gpg] https://deb.nodesource.com/node_20.x nodistro main" \
    >/etc/apt/sources.list.d/nodesource.list
  APT_UPDATED=0
  apt_update_once
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs \
    || fail "apt-get install nodejs failed; install Node >= 20 yourself and run again"
  major=$(node_major || echo 0)
  ((major >= 20)) || fail "node is still $(node --version 2>/dev/null || echo missing) after installing; remove the old nodejs package and run again"
  changed "installed node $(node --version)"
}
