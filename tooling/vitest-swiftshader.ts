// Vitest setup: where Debian's chromium ships SwiftShader and nothing else names a Vulkan driver,
// point Dawn at it, so that the webgpu backend has a (software) adapter to run the tests on.
// See shared ENVIRONMENT.md: VK_ICD_FILENAMES must be set before Dawn loads.
import { existsSync } from 'node:fs';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
}
