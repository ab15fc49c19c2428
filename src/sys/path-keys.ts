/** sys/rotate and sys/key-status: the barrier keyring. */
import { definePath, type PathSpec } from "../framework/backend.js";
import type { SysServices } from "./services.js";

export function keyPaths(s: SysServices): PathSpec[] {
  return [
    definePath({
      pattern: "rotate",
      fields: {},
      sudo: true,
      operations: {
        update: async () => {
          await s.keys.rotate();
          return undefined;
        },
      },
      help: "Adds a new barrier key term; older terms still decrypt, new writes use the new term.",
    }),
    definePath({
      pattern: "key-status",
      fields: {},
      operations: {
        read: () => {
          const k = s.keys.keyStatus();
          return Promise.resolve({ data: { term: k.term, install_time: k.installTime.toISOString() } });
        },
      },
      help: "The active barrier key term and when it was installed.",
    }),
  ];
}
