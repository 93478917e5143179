package dev.podlab.core.cgroup;

/** The cgroup interface a manager drives. */
public enum CgroupVersion {
    /** One hierarchy per controller (or per group of co-mounted controllers), e.g. /sys/fs/cgroup/memory. */
    V1,
    /** The unified hierarchy: one tree, controllers enabled per subtree through cgroup.subtree_control. */
    V2
}
