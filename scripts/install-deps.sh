#!/usr/bin/env bash
# Installs the system packages Strata needs (Debian/Ubuntu) when they are missing:
# liblz4-dev, libzstd-dev, pkg-config, libedit-dev (the shell's line editing), python3
# (the layering check) and util-linux's `script` (the shell's terminal tests). Safe to run again.
set -euo pipefail
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists liblz4 libzstd libedit && command -v python3 >/dev/null 2>&1 \
    && command -v script >/dev/null 2>&1; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq liblz4-dev libzstd-dev libedit-dev pkg-config python3 bsdutils >/dev/null
pkg-config --exists liblz4 libzstd libedit
