// The layering of docs/DESIGN (shared/DESIGN.md): imports flow downward only. Breaking a rule breaks
// `npm test`. Each rule names the folder it protects; test/ and bench/ are outside the layers.
const ours = "^src/";
const lowest = ["storage", "crypto", "policy", "client"];
const clientOnly = ["cli", "agent", "csi", "sdk"];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: { path: ours }, to: { circular: true } },
    ...lowest.map((dir) => ({
      name: `${dir}-imports-nothing-of-ours`,
      severity: "error",
      from: { path: `^src/${dir}/`, pathNot: "\\.(test|contract)\\.ts$" },
      to: { path: ours, pathNot: `^src/${dir}/` },
    })),
    ...clientOnly.map((dir) => ({
      name: `${dir}-imports-only-client`,
      severity: "error",
      from: { path: `^src/${dir}/` },
      to: { path: ours, pathNot: [`^src/${dir}/`, "^src/client/"] },
    })),
    {
      name: "backends-never-reach-http-server-storage",
      severity: "error",
      from: { path: "^src/(engines|auth)/" },
      to: { path: "^src/(http|server|storage|sys)/" },
    },
    {
      name: "audit-imports-only-crypto",
      severity: "error",
      from: { path: "^src/audit/", pathNot: "\\.test\\.ts$" },
      to: {
        path: ours,
        pathNot: ["^src/audit/", "^src/crypto/", "^src/core/(request|errors|clock|audit-port|memo)\\.ts$"],
      },
    },
    {
      // telemetry/ sees requests as core's bounded facts only; it can never reach storage or backends.
      name: "telemetry-imports-only-core-types",
      severity: "error",
      from: { path: "^src/telemetry/", pathNot: "\\.test\\.ts$" },
      to: { path: ours, pathNot: ["^src/telemetry/", "^src/core/(request|pipeline|audit-port|clock)\\.ts$"] },
    },
    {
      name: "only-server-wires-telemetry",
      severity: "error",
      from: { path: ours, pathNot: "^src/(server|bin|telemetry)/" },
      to: { path: "^src/telemetry/" },
    },
    {
      name: "core-stays-below-backends-and-http",
      severity: "error",
      from: { path: "^src/(core|framework|token|lease)/" },
      to: { path: "^src/(engines|auth|sys|http|server|cli|agent|csi|sdk)/" },
    },
    {
      name: "only-server-and-bin-compose",
      severity: "error",
      from: { path: ours, pathNot: "^src/(server|bin)/" },
      to: { path: "^src/(server|bin)/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "\\.test\\.ts$|\\.contract\\.ts$" },
  },
};
