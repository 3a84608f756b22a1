#!/usr/bin/env bash
# Debian packages the project needs: Tesseract with French data (OCR), its headers (tesserocr is built
# against them) and Chromium (dashboard test).
# Installs only what is missing; needs root or sudo.
set -euo pipefail
missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
if ! tesseract --list-langs 2>/dev/null | grep -qx fra; then missing+=(tesseract-ocr-fra); fi
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# tesserocr is built against this libtesseract, so that its loaded engine reads as the command does.
if ! pkg-config --exists tesseract lept 2>/dev/null; then missing+=(libtesseract-dev libleptonica-dev pkg-config); fi
if [ "${CLEA_SKIP_CHROMIUM:-}" != "1" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
