/**
 * The JavaFX desktop workbench (issue 10), a client of the engine API. Not built yet: this module is a placeholder
 * so the reactor already has the shape of DESIGN.md.
 */
package dev.podlab.gui;
