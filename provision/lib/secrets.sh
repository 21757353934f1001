# shellcheck shell=bash
# CLIENT_CONFIG is read by provision.sh.
# shellcheck disable=SC2034
# Steps: the server's env file (generated secrets, kept across runs) and the login user's client config.

ENV_FILE=/etc/cjm/cjm.env

# Decide DB_PASSWORD and ADMIN_TOKEN: an explicit CJM_DB_PASSWORD / CJM_ADMIN_TOKEN wins, then what
# an earlier run stored, then a fresh random value.
resolve_secrets() {
  local url
  url=$(env_file_get "$ENV_FILE" CJM_DATABASE_URL)
  DB_PASSWORD=${CJM_DB_PASSWORD:-}
  if [[ -z "$DB_PASSWORD" && "$url" =~ ^mysql://cjm:([^@]+)@ ]]; then
    DB_PASSWORD=${BASH_REMATCH[1]}
  fi
  [[ -n "$DB_PASSWORD" ]] || DB_PASSWORD=$(random_hex 16)
  # It goes into a URL and into SQL: keep it to characters that need no escaping in either.
  [[ "$DB_PASSWORD" =~ ^[A-Za-z0-9._~-]{1,128}$ ]] \
    || fail "CJM_DB_PASSWORD must be 1-128 letters, digits or . _ ~ -"

  ADMIN_TOKEN=${CJM_ADMIN_TOKEN:-$(env_file_get "$ENV_FILE" CJM_ADMIN_TOKEN)}
  [[ -n "$ADMIN_TOKEN" ]] || ADMIN_TOKEN=$(random_hex 32)
  [[ "$ADMIN_TOKEN" =~ ^[A-Za-z0-9._~-]{16,512}$ ]] \
    || fail "CJM_ADMIN_TOKEN must be 16-512 letters, digits or . _ ~ -"
}

# /etc/cjm/cjm.env: read by the systemd unit (EnvironmentFile) and by the direct start. Root only:
# it holds the admin token and the database password.
step_env_file() {
  resolve_secrets
  install -d -m 0755 /etc/cjm
  if write_file "$ENV_FILE" 0600 root:root <<EOF_ENV; then
# cjm server configuration, written by provision/provision.sh. Secrets are generated once and kept
# by later runs; edit values here and run the provision script again to apply them.
CJM_LISTEN=$CJM_LISTEN
CJM_DATABASE_URL=mysql://cjm:$DB_PASSWORD@127.0.0.1:3306/cjm
CJM_DATA_DIR=$CJM_DATA_DIR
CJM_ADMIN_TOKEN=$ADMIN_TOKEN
CJM_LOG_LEVEL=$CJM_LOG_LEVEL
EOF_ENV
    changed "wrote $ENV_FILE"
  fi
  if [[ ! -d "$CJM_DATA_DIR" ]]; then
    install -d -m 0750 "$CJM_DATA_DIR"
    changed "created $CJM_DATA_DIR"
  fi
}

# Who gets the client config: the user who ran sudo, else vagrant in the VM, else root.
login_user() {
  if [[ -n "${SUDO_USER:-}" && "${SUDO_USER}" != root ]]; then
    echo "$SUDO_USER"
  elif id vagrant >/dev/null 2>&1; then
    echo vagrant
  else
    echo root
  fi
}

# ~/.config/cjm/config.json for the login user, so cjm-tui works at once.
step_client_config() {
  local user home group dir d
  user=$(login_user)
  home=$(getent passwd "$user" | cut -d: -f6)
  group=$(id -gn "$user")
  [[ -n "$home" && -d "$home" ]] || fail "user $user has no home directory; set SUDO_USER to the user who will run cjm-tui"
  dir=$home/.config/cjm
  for d in "$home/.config" "$dir"; do
    if [[ ! -d "$d" ]]; then
      install -d -m 0700 -o "$user" -g "$group" "$d"
    fi
  done
  if write_file "$dir/config.json" 0600 "$user:$group" <<EOF_JSON; then
{ "url": "ws://127.0.0.1:$CJM_PORT/rpc", "token": "$ADMIN_TOKEN" }
EOF_JSON
    changed "wrote $dir/config.json for $user"
  fi
  CLIENT_CONFIG=$dir/config.json
}
