#!/usr/bin/env bash
# Make sure the Debian packages the book needs are present: xelatex + xeCJK (PDF),
# Noto CJK fonts (Chinese in figures, HTML and PDF), poppler (PDF checks), chromium
# (page screenshots), bsdtar from libarchive-tools (the yearbook's RAR5 archives).
# Installs them with apt-get when something is missing and we are
# root (or have sudo); otherwise prints the command to run.
set -euo pipefail

# `ensure_system_deps.sh early` checks only what is needed before TeX and Chromium: bsdtar (the
# data step) and the Noto CJK fonts (anything that draws: matplotlib lists the fonts once, on
# first use, and would not see fonts installed later). `make test` then builds the tables and
# runs the fast tests while the rest is installed.
EARLY_PACKAGES="make libarchive-tools fonts-noto-cjk"
PACKAGES="texlive-xetex latexmk texlive-lang-chinese texlive-latex-extra texlive-fonts-recommended fonts-freefont-otf poppler-utils chromium $EARLY_PACKAGES"

missing=()
command -v bsdtar >/dev/null 2>&1 || missing+=("bsdtar")
# (grep without -q reads fc-list to its end: with pipefail, -q's early exit fails the pipe)
if ! fc-list 2>/dev/null | grep "Noto Sans CJK SC" >/dev/null; then missing+=("Noto CJK fonts"); fi
if [ "${1:-all}" = "early" ]; then
  PACKAGES="$EARLY_PACKAGES"
else
  command -v xelatex >/dev/null 2>&1 || missing+=("xelatex")
  command -v latexmk >/dev/null 2>&1 || missing+=("latexmk")
  command -v pdftotext >/dev/null 2>&1 || missing+=("pdftotext")
  command -v chromium >/dev/null 2>&1 || missing+=("chromium")
  if command -v kpsewhich >/dev/null 2>&1; then
    kpsewhich xeCJK.sty >/dev/null 2>&1 || missing+=("xeCJK.sty")
  fi
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "system packages missing: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
else
  echo "Run as root: apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# one package-list update per hour is enough (the early packages' run has just made one)
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -1)" ]; then
  $SUDO apt-get update -q
fi
$SUDO apt-get install -y -q --no-install-recommends $PACKAGES
fc-cache -f >/dev/null 2>&1 || true
