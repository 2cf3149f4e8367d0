#!/usr/bin/env bash
# Everything `grade` needs on a fresh Debian machine, idempotent: run it as often as you like.
#   1. a virtualenv in .venv with the project installed (editable, with dev tools and both extras, pinned by
#      requirements-dev.lock)
#   2. a running Docker engine (installed from Debian's packages and started if none answers), and
#      redis-server (the broker for `grade worker`; the distributed tests start their own)
#   3. the sandbox image, rebuilt only when sandbox/Dockerfile or sandbox/requirements.txt change;
#      offline-friendly: the base image comes from a registry if one answers, else from debootstrap,
#      and Python packages come from a wheelhouse downloaded on the host.
# Environment: GRADE_BASE_IMAGE (default: DEFAULT_BASE in runner/sandbox/image.py, else the same system made
# with debootstrap),
# GRADE_NO_DOCKER=1 to stop after step 1 (the local backend then grades without isolation).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf 'setup: %s\n' "$*" >&2; }

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  python3 -m venv .venv
fi
# The project with its dev tools and both extras (workers: Celery and Redis; local: nbclient, ipykernel),
# every package at the version requirements-dev.lock pins (regenerate it as README.md says).
if ! .venv/bin/python -c "import runner, sqlalchemy, mypy, celery, nbclient" 2>/dev/null \
    || [ pyproject.toml -nt .venv/.installed ] || [ requirements-dev.lock -nt .venv/.installed ]; then
  say "installing the project into .venv"
  .venv/bin/pip install -q --disable-pip-version-check -c requirements-dev.lock -e '.[dev,workers,local]'
  touch .venv/.installed
fi
[ "${GRADE_NO_DOCKER:-0}" = 1 ] && exit 0

# redis-server: the broker of distributed batches (grade worker), and what their tests start.
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
  command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
fi
if [ -n "$missing" ]; then
  say "installing$missing from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  say "starting dockerd (no bridge network: sandboxes run with --network none)"
  nohup dockerd --bridge=none --iptables=false --ip-forward=false --ip-masq=false \
    >/var/log/grade-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { say "dockerd did not start: see /var/log/grade-dockerd.log"; exit 3; }
fi

if .venv/bin/grade sandbox build --if-changed >/dev/null 2>&1; then
  say "sandbox image is up to date"
  exit 0
fi

base="${GRADE_BASE_IMAGE:-$(.venv/bin/python -c 'from runner.sandbox.image import DEFAULT_BASE; print(DEFAULT_BASE)')}"
if ! docker image inspect "$base" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$base" >/dev/null 2>&1; then
  base=grade-base:bookworm
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    # sources.list may be absent (deb822 sources only): grep's exit status must not end the script.
    mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
      | grep -m1 -E 'debian(/)?$' | awk '{print $NF}' || true)
    mirror=${mirror:-http://deb.debian.org/debian}
    say "no registry: making $base with debootstrap from $mirror"
    root=$(mktemp -d)
    debootstrap --variant=minbase --include=python3,python3-venv bookworm "$root" "$mirror" >/dev/null
    tar -C "$root" -c . | docker import - "$base" >/dev/null
    rm -rf "$root"
  fi
fi
say "downloading the sandbox's wheels"
.venv/bin/pip download -q --disable-pip-version-check -d .cache/wheelhouse -r sandbox/requirements.txt \
  2> >(grep -v "^WARNING: Location" >&2)
say "building the sandbox image on $base"
.venv/bin/grade sandbox build --base-image "$base" --wheelhouse .cache/wheelhouse
