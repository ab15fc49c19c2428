/**
 * Drives a Backend through the real framework router (route match, create-vs-update resolution,
 * field parsing) with a plain Request, for unit tests of engines and auth methods.
 */
import type { Operation, Request, Response, StorageView } from "../../src/core/request.js";
import type { BackendRouter } from "../../src/framework/backend.js";

export type BackendCall = (
  operation: Operation,
  path: string,
  data?: Record<string, unknown>,
  remoteAddress?: string,
) => Promise<Response | undefined>;

export function backendCaller(
  router: BackendRouter,
  storage: StorageView,
  mount: { path: string; type: string },
): BackendCall {
  return async (operation, path, data = {}, remoteAddress = "127.0.0.1") => {
    const route = router.match(path);
    if (!route) throw new Error(`no route for ${path}`);
    const req: Request = {
      id: "r",
      operation,
      path,
      mountPath: mount.path,
      mountType: mount.type,
      data,
      caller: { namespace: "", remoteAddress },
      storage,
      headers: {},
    };
    const op = await router.resolveOperation(req, route);
    return router.handle({ ...req, operation: op }, route);
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof Error) return err;
  }
  throw new Error("expected a rejection");
}
