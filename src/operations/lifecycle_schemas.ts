import * as z from "zod";
import { recordableEvents, START_EVENT } from "../lifecycle.ts";

/** Parameter schemas of the deployment lifecycle operations (the records are in src/records/). */

export const recordableEventType = z.enum(recordableEvents, {
  error: (issue) =>
    issue.input === START_EVENT
      ? `${START_EVENT} is recorded only by starting a deployment (deploy start or rollback)`
      : undefined,
}).describe(`State-machine event (${START_EVENT} is recorded by deploy.start and deploy.rollback)`);

/** A Docker image reference: no whitespace, at most 512 characters. */
// deno-lint-ignore no-control-regex -- U+0000 is the character refused
export const IMAGE_PATTERN = /^[^\s\u0000]+$/;
export const MAX_IMAGE_LENGTH = 512;

export const image = z.string().min(1).max(MAX_IMAGE_LENGTH).regex(IMAGE_PATTERN, {
  message: "must be a Docker image reference without spaces",
}).describe("Docker image, e.g. registry.example.com/web-api:1.4.2");
