package dev.podlab.tui;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;

import java.util.List;

/** Key helpers, and the one list of every key that the help screen and the README show. */
final class Keys {
    private Keys() {}

    static boolean is(KeyStroke k, char c) {
        return k.getKeyType() == KeyType.Character && !k.isCtrlDown() && !k.isAltDown() && k.getCharacter() == c;
    }

    static boolean ctrl(KeyStroke k, char c) {
        return k.getKeyType() == KeyType.Character && k.isCtrlDown() && Character.toLowerCase(k.getCharacter()) == c;
    }

    static boolean type(KeyStroke k, KeyType t) {
        return k.getKeyType() == t;
    }

    /** (scope, key, what it does) for the help screen. */
    static final List<String[]> HELP = List.of(
            new String[] {"global", ":", "command mode (Tab completes): pods, containers, images, events, runtimes, play, pull, compare, help, quit"},
            new String[] {"global", "?", "this help"},
            new String[] {"global", "Esc / q", "back to the previous view (q on the first view quits)"},
            new String[] {"global", "Ctrl-C", "quit"},
            new String[] {"lists", "Up/Down, j/k", "move the selection"},
            new String[] {"lists", "PgUp/PgDn, Home/End", "move by a page, to the first or last row"},
            new String[] {"lists", "/", "filter (words must all match; Enter keeps it, Esc clears it)"},
            new String[] {"pods", "Enter", "open the pod: containers, live pod cgroup charts, conditions, events, trace, manifest report"},
            new String[] {"pods", "p", "play a manifest: a file picker from the current directory (*.yaml, *.yml)"},
            new String[] {"pods", "Ctrl-D", "delete the pod (Pods.Down: preStop, SIGTERM, grace period, SIGKILL), after confirmation"},
            new String[] {"pods", "w", "swap the pod to another runtime (pick one; the pod is recreated), after confirmation"},
            new String[] {"pods", "c", "compare runtimes: a manifest's first pod on every working runtime, side by side"},
            new String[] {"pods", "i", "pull an image (a progress bar on the status line)"},
            new String[] {"pods", "N E R S Y X A I C M", "sort by name, namespace, runtime, status, ready, restarts, age, IP, CPU, memory (again: reverse)"},
            new String[] {"pod", "Up/Down, j/k", "choose a container"},
            new String[] {"pod", "Enter / l / s", "container details / logs / shell of the chosen container"},
            new String[] {"pod", "r", "restart the chosen container (stop it; the pod starts it again), after confirmation"},
            new String[] {"pod", "Ctrl-D / w", "delete / swap this pod, after confirmation"},
            new String[] {"pod", "1 2 3, PgUp/PgDn, Tab", "panes: overview, cgroups (raw controller values, live; f one controller), "
                    + "config.json (Left/Right container); scroll, Tab next section"},
            new String[] {"file picker", "Enter", "open a directory or choose a manifest"},
            new String[] {"file picker", "Backspace, Left", "up to the parent directory"},
            new String[] {"file picker", "a letter", "jump to the next entry starting with it (not j, k, q)"},
            new String[] {"prompt", "y / other key", "confirm / cancel a destructive action"},
            new String[] {"containers", "Enter", "details: state, live charts, trace, cgroups, namespaces, config.json"},
            new String[] {"containers", "l", "logs of the selected container"},
            new String[] {"containers", "s", "shell: exec sh in the container (the workbench is suspended meanwhile)"},
            new String[] {"containers", "t", "stop (SIGTERM, then SIGKILL after 10 s), after confirmation"},
            new String[] {"containers", "Ctrl-K", "kill (SIGKILL), after confirmation"},
            new String[] {"containers", "Ctrl-D", "remove (forced when running), after confirmation"},
            new String[] {"containers", "N I R S A C M D", "sort by name, image, runtime, state, age, CPU, memory, id (again: reverse)"},
            new String[] {"details", "Up/Down, PgUp/PgDn", "scroll; Tab jumps to the next section"},
            new String[] {"details", "l / s", "logs / shell of this container"},
            new String[] {"logs", "f", "follow on/off"},
            new String[] {"logs", "p or Space", "pause/resume the view (lines keep arriving)"},
            new String[] {"logs", "/  n  N", "search, next match, previous match"},
            new String[] {"logs", "w / T", "wrap long lines / show timestamps"},
            new String[] {"logs", "P / c", "previous instance's log (after a restart) / the pod's next container"},
            new String[] {"events", "/", "filter the live events"},
            new String[] {"events", "f", "follow the newest on/off"},
            new String[] {"images", "Enter", "layers of the image: sizes, created-by, efficiency, wasted bytes"},
            new String[] {"layers", "Up/Down", "choose a layer; its file tree shows + added, ~ modified, - removed"},
            new String[] {"layers", "PgUp/PgDn", "scroll the file tree"});
}
