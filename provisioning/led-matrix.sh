#!/bin/sh
# On a display Pi with a HUB75 LED statistics board ([led] enabled = true):
# build rpi-rgb-led-matrix's Python binding (``import rgbmatrix``) into the
# node's virtualenv. Not on PyPI: it is built from source, for the Pi's GPIO.
#
#   sudo provisioning/led-matrix.sh /opt/motcua/.venv/bin/python
#
# Not needed anywhere else: tests and fake hardware draw the same frames to
# PNG files (display/led.py, display/hardware.py).
set -eu

python=${1:?usage: $0 /path/to/venv/bin/python}
src=${LED_MATRIX_SRC:-/opt/rpi-rgb-led-matrix}
repo=${LED_MATRIX_REPO:-https://github.com/hzeller/rpi-rgb-led-matrix}

if [ "$(id -u)" -ne 0 ]; then
  echo "run as root (it installs Debian packages and touches GPIO permissions)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends git build-essential python3-dev cython3
[ -d "$src/.git" ] || git clone --depth 1 "$repo" "$src"
make -C "$src" build-python PYTHON="$python"
make -C "$src" install-python PYTHON="$python"
"$python" -c "import rgbmatrix; print('rgbmatrix', rgbmatrix.__file__)"
# The matrix's timing needs the Pi's onboard sound (snd_bcm2835) off: the hall
# voice then goes through a USB sound card (or the LED board gets its own Pi).
echo "Done. Blacklist snd_bcm2835 and play the voice through a USB sound card."
