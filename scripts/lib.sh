# Shared by ./podlab, scripts/test and .ci/run: find a JDK >= 21 and make sure the host has
# what podlab builds and runs with. Sourced, not executed.

# Debian packages podlab needs to build (gcc, make, libseccomp-dev for the static shim; maven),
# to run (busybox-static for the sample rootfs, iproute2), to compare against (runc) and to
# test (python3 for the shim smoke test; docker-registry, skopeo and umoci for image tests); pod networking
# runs the standard CNI plugins (containernetworking-plugins, in /usr/lib/cni), whose bridge and portmap
# plugins call iptables. The .deb (installers/build-deb) needs fakeroot (jpackage runs dpkg-deb under it) and
# binutils (objcopy: jlink --strip-debug strips native symbols); its test renders the man pages with man-db.
# tmux drives the terminal workbench in a real terminal for its smoke test.
PODLAB_PACKAGES=(gcc make libc6-dev libseccomp-dev musl-tools busybox-static maven iproute2 runc procps python3 docker-registry skopeo umoci containernetworking-plugins iptables fakeroot binutils man-db tmux python3-websocket qemu-system-x86 linux-image-amd64)

podlab_find_java() {
  if [[ -n "${PODLAB_JAVA_HOME:-}" ]]; then echo "$PODLAB_JAVA_HOME"; return; fi
  local candidates=(/usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/java-21-openjdk-amd64)
  [[ -n "${JAVA_HOME:-}" ]] && candidates=("$JAVA_HOME" "${candidates[@]}")
  local j v
  for j in "${candidates[@]}" /usr/lib/jvm/*; do
    [[ -x "$j/bin/javac" ]] || continue
    v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
    if [[ "${v%%.*}" =~ ^[0-9]+$ ]] && (( ${v%%.*} >= 21 )); then echo "$j"; return; fi
  done
  return 1
}

podlab_ensure_packages() {
  local missing=() p
  for p in "${PODLAB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  (( ${#missing[@]} == 0 )) && return 0
  if [[ $(id -u) -ne 0 ]]; then
    echo "podlab: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "podlab: installing ${missing[*]} ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

podlab_setup() {
  podlab_ensure_packages
  PODLAB_JAVA_HOME=$(podlab_find_java) || {
    echo "podlab: no JDK 21 or newer found under /usr/lib/jvm (set PODLAB_JAVA_HOME)" >&2
    return 1
  }
  export PODLAB_JAVA_HOME
  export JAVA_HOME="$PODLAB_JAVA_HOME"
}
