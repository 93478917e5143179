/**
 * podlab's own gRPC API (issue 3): protos, the server over the engine, the client library. Not built yet: this module is a placeholder
 * so the reactor already has the shape of DESIGN.md.
 */
package dev.podlab.api;
