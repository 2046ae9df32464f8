// Writes NAME.gz beside every .js/.css/.svg/.json file under the given folder (default: build/app),
// so the server can send the gzip copy as is. Prints the gzip bytes of the JS+CSS the page loads.
import { gzipSync, constants } from "node:zlib";
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join, extname } from "node:path";

const root = process.argv[2] ?? "build/app";
const compressible = new Set([".js", ".css", ".svg", ".json", ".map"]);

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

let jsCss = 0;
for (const path of walk(root)) {
  if (!compressible.has(extname(path)) || path.includes(`${join(root, ".vite")}`)) continue;
  const gz = gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(`${path}.gz`, gz);
  if (path.endsWith(".js") || path.endsWith(".css")) jsCss += gz.length;
}
console.log(`gzip: ${jsCss} bytes of JS+CSS in ${root} (all chunks)`);
