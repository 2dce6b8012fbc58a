#!/usr/bin/env bash
# Installs the system packages Strata needs (Debian/Ubuntu) when they are missing:
# liblz4-dev, libzstd-dev and pkg-config. Safe to run again.
set -euo pipefail
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists liblz4 libzstd; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq liblz4-dev libzstd-dev pkg-config >/dev/null
pkg-config --exists liblz4 libzstd
