#!/usr/bin/env bash
# Fetch the JavaScript/CSS that heart_plan's offline pages inline, from the npm registry.
#
# Reproducible: pinned versions, tarballs verified against the registry's sha512 integrity,
# only the minified builds, images and licences the pages use are copied.  Versions match
# what folium 0.20 loads from CDNs (folium.Map.default_js / default_css).
#
# Usage: tools/vendor_assets.sh            # rewrites src/heart_plan/assets/
# Needs: node + npm (npm pack), tar, sha256sum.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/src/heart_plan/assets"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# name@version  (keep in sync with SOURCES.md)
packages=("leaflet@1.9.3" "jquery@3.7.1")

cd "$work"
for spec in "${packages[@]}"; do
  # npm pack checks the tarball against the registry's integrity hash while downloading.
  npm pack --silent "$spec" >/dev/null
done

mkdir -p leaflet jquery
tar xzf leaflet-1.9.3.tgz -C leaflet
tar xzf jquery-3.7.1.tgz -C jquery

mkdir -p "$dest/leaflet/images" "$dest/jquery"
cp leaflet/package/dist/leaflet.js leaflet/package/dist/leaflet.css "$dest/leaflet/"
cp leaflet/package/dist/images/*.png "$dest/leaflet/images/"
cp leaflet/package/LICENSE "$dest/leaflet/LICENSE"
cp jquery/package/dist/jquery.min.js "$dest/jquery/"
cp jquery/package/LICENSE.txt "$dest/jquery/LICENSE.txt"

# Strip the source-map comment: the .map files are not vendored, and a dangling
# sourceMappingURL makes devtools request a file that does not exist.
sed -i '/^\/\/# sourceMappingURL=/d' "$dest/leaflet/leaflet.js" "$dest/jquery/jquery.min.js"

cd "$dest"
find leaflet jquery -type f | sort | xargs sha256sum > SHA256SUMS
echo "vendored into $dest:"
cat SHA256SUMS
