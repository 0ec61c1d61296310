#!/usr/bin/env bash
# Re-vendor the front-end assets from npm into static/vendor/ (run by hand when upgrading;
# the copies are committed so that `make run` needs neither npm nor the internet).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cp package.json "$tmp/"
(cd "$tmp" && npm install --silent --no-audit --no-fund)
V=static/vendor
nm="$tmp/node_modules"
mkdir -p $V/bootstrap $V/bootstrap-icons/fonts $V/htmx $V/echarts $V/tom-select
cp "$nm"/bootstrap/dist/css/bootstrap.min.css "$nm"/bootstrap/dist/js/bootstrap.bundle.min.js $V/bootstrap/
cp "$nm"/bootstrap-icons/font/bootstrap-icons.min.css $V/bootstrap-icons/
cp "$nm"/bootstrap-icons/font/fonts/bootstrap-icons.woff* $V/bootstrap-icons/fonts/
cp "$nm"/htmx.org/dist/htmx.min.js $V/htmx/
cp "$nm"/echarts/dist/echarts.min.js $V/echarts/
cp "$nm"/tom-select/dist/css/tom-select.bootstrap5.min.css "$nm"/tom-select/dist/js/tom-select.complete.min.js $V/tom-select/
rm -rf "$tmp"
# The source maps are not vendored: drop the references to them, which collectstatic's
# manifest storage would otherwise fail to resolve.
grep -rl "sourceMappingURL" $V | xargs -r sed -i -E \
  's@//# sourceMappingURL=[^ ]*\.map@@; s@/\*# sourceMappingURL=[^ ]*\.map \*/@@'
echo "vendored into $V"
