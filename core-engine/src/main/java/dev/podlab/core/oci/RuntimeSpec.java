package dev.podlab.core.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;
import java.util.Map;

/**
 * The OCI runtime spec document ({@code config.json}) as a wire format: field names and
 * nesting follow the runtime-spec exactly, so runc, crun and youki accept what we write.
 * Domain code builds it through {@link SpecGenerator}; nothing else constructs it ad hoc.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"ociVersion", "process", "root", "hostname", "mounts", "annotations", "linux"})
public record RuntimeSpec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        List<Mount> mounts,
        Map<String, String> annotations,
        Linux linux) {

    public static final String OCI_VERSION = "1.2.0";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Process(
            Boolean terminal,
            User user,
            List<String> args,
            List<String> env,
            String cwd,
            Capabilities capabilities,
            List<Rlimit> rlimits,
            Boolean noNewPrivileges,
            Integer oomScoreAdj) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record User(int uid, int gid, Integer umask, List<Integer> additionalGids) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {}

    public record Rlimit(String type, long hard, long soft) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Root(String path, Boolean readonly) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mount(String destination, String type, String source, List<String> options) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Linux(
            List<Namespace> namespaces,
            Resources resources,
            String cgroupsPath,
            Map<String, String> sysctl,
            Seccomp seccomp,
            List<String> maskedPaths,
            List<String> readonlyPaths,
            List<Device> devices,
            String rootfsPropagation) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Namespace(String type, String path) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Resources(List<DeviceRule> devices, Memory memory, Cpu cpu, Pids pids) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(Long limit, Long reservation, Long swap) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cpu(Long shares, Long quota, Long period, String cpus, String mems) {}

    public record Pids(long limit) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Device(String path, String type, long major, long minor, Integer fileMode, Integer uid, Integer gid) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Seccomp(
            String defaultAction,
            Integer defaultErrnoRet,
            List<String> architectures,
            List<Syscall> syscalls) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Syscall(List<String> names, String action, Integer errnoRet, List<SyscallArg> args) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SyscallArg(int index, long value, Long valueTwo, String op) {}
}
