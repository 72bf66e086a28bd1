#!/usr/bin/env python3
"""Runs Digit Lab's OCI image tarball without a container engine: unpacks its layers into a
root file system and runs the image's entrypoint there with chroot, as the image's user, with the
image's environment and working directory. For smoke tests of the image on machines without
Docker (CI), not for production.

  sudo deploy/image/run-image.py digitlab-cli/target/jib-image.tar [ARGS...]

With ARGS, they replace the image's default arguments (`server --bind 0.0.0.0`). Needs root
(chroot). The network is the host's: `server --port 18080` answers on the host's 127.0.0.1:18080.
The root file system is unpacked once per image digest under $TMPDIR/digitlab-image-<digest>.
"""
import json
import os
import shutil
import sys
import tarfile
import tempfile


def blob(layout, digest):
    return os.path.join(layout, "blobs", *digest.split(":"))


def unpack(image_tar):
    work = tempfile.mkdtemp(prefix="digitlab-image-layout-")
    with tarfile.open(image_tar) as tar:
        tar.extractall(work, filter="tar")
    with open(os.path.join(work, "index.json")) as f:
        manifest_digest = json.load(f)["manifests"][0]["digest"]
    with open(blob(work, manifest_digest)) as f:
        manifest = json.load(f)
    with open(blob(work, manifest["config"]["digest"])) as f:
        config = json.load(f)["config"]
    rootfs = os.path.join(tempfile.gettempdir(), "digitlab-image-" + manifest_digest[7:19])
    if not os.path.exists(os.path.join(rootfs, ".unpacked")):
        shutil.rmtree(rootfs, ignore_errors=True)
        os.makedirs(rootfs)
        for layer in manifest["layers"]:
            # Layers are applied in order; "fully_trusted" keeps owners, modes and symlinks as the
            # image has them (the image is ours, built by this repository).
            with tarfile.open(blob(work, layer["digest"])) as tar:
                tar.extractall(rootfs, filter="fully_trusted")
        open(os.path.join(rootfs, ".unpacked"), "w").close()
    shutil.rmtree(work)
    return rootfs, config


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    if os.geteuid() != 0:
        sys.exit("run-image: needs root (chroot)")
    rootfs, config = unpack(sys.argv[1])
    command = config.get("Entrypoint", []) + (sys.argv[2:] or config.get("Cmd", []))
    env = dict(e.split("=", 1) for e in config.get("Env", []))
    uid, _, gid = config.get("User", "0").partition(":")
    workdir = config.get("WorkingDir", "/")
    # /dev/null, /proc and name resolution are what a JVM needs from the host.
    for d in ("dev", "proc", "etc"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    dev_null = os.path.join(rootfs, "dev", "null")
    if not os.path.exists(dev_null):
        os.mknod(dev_null, 0o666 | 0o020000, os.makedev(1, 3))
    shutil.copy("/etc/resolv.conf", os.path.join(rootfs, "etc", "resolv.conf"))
    proc = os.path.join(rootfs, "proc")
    if not os.path.ismount(proc):
        os.system(f"mount -t proc proc {proc}")
    print(f"run-image: {' '.join(command)} (user {uid}:{gid or uid}, in {workdir})", file=sys.stderr)
    sys.stderr.flush()
    os.chroot(rootfs)
    os.chdir(workdir)
    os.setgroups([])
    os.setgid(int(gid or uid))
    os.setuid(int(uid))
    os.execvpe(command[0], command, env)


if __name__ == "__main__":
    main()
