// Health scripts Gitferry ships for common CRDs, in Argo CD's health.lua contract. An
// installation's own script for the same kind replaces the shipped one. Written for Gitferry from
// the controllers' documented status fields.
import type { HealthScript } from './lua-health.js';

/**
 * cert-manager Certificate: Issuing=True is Progressing whatever Ready says (a renewal in flight);
 * otherwise Ready decides.
 */
const certificate = `
local hs = { status = "Progressing", message = "Waiting for the certificate to be issued" }
local conditions = obj.status and obj.status.conditions or {}
for _, c in ipairs(conditions) do
  if c.type == "Issuing" and c.status == "True" then
    return { status = "Progressing", message = c.message or "Issuing certificate" }
  end
end
for _, c in ipairs(conditions) do
  if c.type == "Ready" then
    if c.status == "True" then return { status = "Healthy", message = c.message } end
    if c.status == "False" then return { status = "Degraded", message = c.message or c.reason } end
  end
end
return hs
`;

/**
 * Argo Rollouts Rollout: the controller reports status.phase (v1.0+): Healthy, Progressing,
 * Paused, Degraded; before it has observed the newest spec, Progressing. Older controllers
 * without a phase are judged from their conditions.
 */
const rollout = `
local status = obj.status
if status == nil then
  return { status = "Progressing", message = "Waiting for the rollout to be observed" }
end
local generation = obj.metadata.generation
if status.observedGeneration ~= nil and generation ~= nil
    and tostring(status.observedGeneration) ~= tostring(generation) then
  return { status = "Progressing", message = "Waiting for rollout spec update to be observed" }
end
local phase = status.phase
if phase == "Healthy" then return { status = "Healthy", message = status.message } end
if phase == "Degraded" then return { status = "Degraded", message = status.message } end
if phase == "Paused" then return { status = "Suspended", message = status.message or "Rollout is paused" } end
if phase == "Progressing" then return { status = "Progressing", message = status.message } end
for _, c in ipairs(status.conditions or {}) do
  if c.type == "InvalidSpec" and c.status == "True" then return { status = "Degraded", message = c.message } end
  if c.type == "Progressing" and c.reason == "ProgressDeadlineExceeded" then
    return { status = "Degraded", message = c.message }
  end
end
if obj.spec and obj.spec.paused == true then return { status = "Suspended", message = "Rollout is paused" } end
return { status = "Progressing", message = "Waiting for the rollout to finish" }
`;

/** external-secrets ExternalSecret: Ready=True once the secret is synced; Ready=False is an error. */
const externalSecret = `
local conditions = obj.status and obj.status.conditions or {}
for _, c in ipairs(conditions) do
  if c.type == "Ready" then
    if c.status == "True" then return { status = "Healthy", message = c.message } end
    if c.status == "False" then
      return { status = "Degraded", message = (c.reason and (c.reason .. ": ") or "") .. (c.message or "") }
    end
  end
end
return { status = "Progressing", message = "Waiting for the secret to be synced" }
`;

export const shippedHealthScripts: HealthScript[] = [
  {
    groupKind: 'cert-manager.io_Certificate',
    origin: 'gitferry:cert-manager.io_Certificate',
    source: certificate,
  },
  { groupKind: 'argoproj.io_Rollout', origin: 'gitferry:argoproj.io_Rollout', source: rollout },
  {
    groupKind: 'external-secrets.io_ExternalSecret',
    origin: 'gitferry:external-secrets.io_ExternalSecret',
    source: externalSecret,
  },
];
