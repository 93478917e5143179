/**
 * The Kubernetes CRI v1 bridge (issue 8): {@code runtime.v1} RuntimeService and ImageService served by the engine
 * process on its own unix socket, as a thin adapter over the core engine. {@link dev.podlab.cri.CriBridge} plugs
 * into the engine service; {@link dev.podlab.cri.CriStore} keeps the CRI sandboxes and containers; one handler
 * class per group of RPCs translates between the wire ({@code dev.podlab.cri.v1}) and the domain.
 */
package dev.podlab.cri;
