// Builds the team console into build/console: index.html (served by the control plane's API for every console
// route) and hashed files under assets/, all linked from /_console/ (docs/design/console.md, "Serving").
import { defineConfig } from "vite";

export default defineConfig({
  root: "src/console",
  base: "/_console/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    outDir: "../../build/console",
    emptyOutDir: true,
    target: "es2022",
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: {
      output: {
        entryFileNames: "assets/[name]-[hash].js",
        chunkFileNames: "assets/[name]-[hash].js",
        assetFileNames: "assets/[name]-[hash][extname]",
      },
    },
  },
});
