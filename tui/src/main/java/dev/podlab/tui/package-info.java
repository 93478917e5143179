/**
 * The Lanterna terminal workbench (issue 9), a client of the engine API. Not built yet: this module is a placeholder
 * so the reactor already has the shape of DESIGN.md.
 */
package dev.podlab.tui;
