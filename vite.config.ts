import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The renderer is served by the daemon (and loaded by the Electron window) from dist/renderer.
export default defineConfig({
  root: "renderer",
  base: "./",
  plugins: [react()],
  build: { outDir: "../dist/renderer", emptyOutDir: true, sourcemap: false, modulePreload: { polyfill: false } },
});
