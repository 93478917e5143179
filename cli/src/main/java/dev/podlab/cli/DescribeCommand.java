package dev.podlab.cli;

import dev.podlab.api.v1.GetPodRequest;
import dev.podlab.api.v1.Pod;
import dev.podlab.api.v1.PodContainer;
import dev.podlab.api.v1.PodEventEntry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

@Command(name = "describe", description = "A pod as kubectl describe shows it, plus what podlab ignored in its manifest.")
final class DescribeCommand implements Callable<Integer> {
    @Mixin
    EngineOptions engine;

    @Parameters(paramLabel = "POD")
    String pod;

    @Override
    public Integer call() {
        Pod p = engine.client().pods().get(GetPodRequest.newBuilder().setPod(pod).build()).getPod();
        System.out.println("Name:          " + p.getName());
        System.out.println("Namespace:     " + p.getNamespace());
        System.out.println("Id:            " + p.getId());
        System.out.println("Runtime:       " + p.getRuntime());
        System.out.println("Status:        " + p.getPhase() + (p.getReason().isEmpty() ? "" : " (" + p.getReason()
                + ": " + p.getMessage() + ")"));
        System.out.println("IP:            " + (p.getPodIp().isEmpty() ? "<none> (loopback only)" : p.getPodIp()));
        System.out.println("QoS Class:     " + p.getQosClass());
        System.out.println("Cgroup:        " + p.getCgroupParent());
        System.out.println("Network ns:    " + p.getNetns());
        System.out.println("Source:        " + p.getSource());
        String section = "";
        for (PodContainer c : p.getContainersList()) {
            String want = c.getInit() ? "Init Containers:" : "Containers:";
            if (!want.equals(section)) {
                System.out.println(want);
                section = want;
            }
            System.out.println("  " + c.getName() + ":");
            System.out.println("    Container ID:  " + (c.getContainerId().isEmpty() ? "<none>" : c.getContainerId()));
            System.out.println("    Image:         " + c.getImage());
            System.out.println("    State:         " + cap(c.getState()) + (c.getReason().isEmpty() ? "" : " (" + c.getReason()
                    + (c.getState().equals("terminated") ? ", exit code " + c.getExitCode() : "") + ")")
                    + (c.getMessage().isEmpty() ? "" : ": " + c.getMessage()));
            if (!c.getLastReason().isEmpty()) {
                System.out.println("    Last State:    Terminated (" + c.getLastReason() + ", exit code " + c.getLastExitCode() + ")");
            }
            System.out.println("    Ready:         " + c.getReady());
            System.out.println("    Restart Count: " + c.getRestartCount());
        }
        if (p.getWarningsCount() > 0) {
            System.out.println("Manifest report (what podlab did not honour, by path):");
            p.getWarningsList().forEach(w -> System.out.println("  " + w));
        }
        System.out.println("Events:");
        var t = new Table("  TYPE", "REASON", "AGE", "MESSAGE");
        for (PodEventEntry e : p.getEventsList()) {
            String age = Durations.sinceNanos(e.getLastTime()) + (e.getCount() > 1 ? " (x" + e.getCount() + " over "
                    + Durations.sinceNanos(e.getFirstTime()) + ")" : "");
            t.row("  " + e.getType(), e.getReason(), age, e.getMessage());
        }
        t.print(System.out, true);
        return 0;
    }

    private static String cap(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
