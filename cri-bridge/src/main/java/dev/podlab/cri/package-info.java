/**
 * The CRI v1 RuntimeService and ImageService adapter (issue 8). Not built yet: this module is a placeholder
 * so the reactor already has the shape of DESIGN.md.
 */
package dev.podlab.cri;
