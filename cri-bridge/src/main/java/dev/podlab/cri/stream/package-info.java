/**
 * The CRI streaming server: single-use URLs for Exec and PortForward on 127.0.0.1, upgraded to SPDY/3.1 or
 * WebSocket and then spoken as Kubernetes' remotecommand (v4, v5) and portforward protocols, so kubectl, crictl
 * and kubelet's proxies reach podlab's exec and a pod's network namespace. Entry point: {@link
 * dev.podlab.cri.stream.StreamServer}.
 */
package dev.podlab.cri.stream;
