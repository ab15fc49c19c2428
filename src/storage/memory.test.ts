import { MemoryStorage } from "./memory.js";
import { runStorageContract } from "./storage.contract.js";

runStorageContract("memory", () => new MemoryStorage());
