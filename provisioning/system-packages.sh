#!/bin/sh
# Install the Debian packages a role needs (Debian 12 / Raspberry Pi OS bookworm).
#
#   provisioning/system-packages.sh dev     # make test: everything, browser included
#   provisioning/system-packages.sh demo    # make demo
#   provisioning/system-packages.sh hub|dispenser|counter|display|kiosk
#
# As root it runs apt-get; otherwise it prints the exact command and fails, so
# nothing half-installed is mistaken for a working setup.
set -eu

role=${1:-dev}
base="python3 python3-venv"
# SMS (issue 14): the gammu tool to check a modem by hand (`gammu identify`),
# and libgammu-dev + pkg-config for pip to build python-gammu where PyPI has
# no wheel (32-bit Raspberry Pi OS).
gammu="gammu libgammu-dev pkg-config"
# libfribidi0: Pillow's wheels lay text out with raqm only when FriBiDi is on the
# system (else a basic layout: other glyph positions than the golden tickets and LED
# lines; a minimal arm64 Debian 12 has none). Every role that draws text with Pillow:
# the nodes, and the hub (a dossier's receipt ticket, central/dossiers/forms.py).
# libglib2.0-0: pygame's mixer (its wheel's SDL2_mixer, aarch64 and x86_64 alike)
# needs libgthread-2.0 (no voice without it). Found on a blank arm64 root (issue 25).
# The demo runs the hub and every node on fake hardware: their run-time packages,
# not the hardware's (python3-lgpio, python3-spidev, alsa-utils, v4l-utils) nor
# gammu's (the modem; python-gammu has wheels where the demo runs).
# tests/test_packaging.py holds the demo's and the test machine's lists to that.
pillow="libfribidi0"
mixer="libglib2.0-0"
case "$role" in
  dev)       pkgs="$base mosquitto libzbar0 fonts-dejavu-core chromium espeak-ng sox poppler-utils $gammu sysbench nginx-light postgresql xvfb libxtst6 $pillow $mixer" ;;
  demo)      pkgs="$base mosquitto libzbar0 fonts-dejavu-core espeak-ng sox $pillow $mixer" ;;  # the hall voice
  hub)       pkgs="$base mosquitto fonts-dejavu-core $pillow $gammu" ;;
  dispenser) pkgs="$base fonts-dejavu-core $pillow" ;;
  counter)   pkgs="$base fonts-dejavu-core $pillow python3-spidev" ;;  # luma SPI (MAX7219)
  display)   pkgs="$base fonts-dejavu-core $pillow espeak-ng sox $mixer" ;;
  kiosk)     pkgs="$base libzbar0 fonts-dejavu-core $pillow" ;;
  *) echo "usage: $0 dev|demo|hub|dispenser|counter|display|kiosk" >&2; exit 2 ;;
esac
# xvfb, libxtst6: the kiosk on a real X11 server, touched through XTest (tests/x11.py,
# tests/test_kiosk_rest.py, bench/nodes.py; issue 25).
# nginx-light: tests/test_https_proxy.py runs the HTTPS proxy provision configures (issue 19).
# sysbench: bench/queue_engine.py measures this machine against a published Raspberry Pi 5
# score with it (issue 25).
# The suite checks the systemd units with systemd-analyze (issue 10).
[ "$role" = dev ] && pkgs="$pkgs systemd"

missing=""
for p in $pkgs; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *"install ok installed"*) ;;
    *) missing="$missing $p" ;;
  esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "motcua needs these Debian packages:$missing" >&2
  echo "Install them with:" >&2
  echo "  sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "Installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
