import type { Archiver, BasePlugin, Connector, Decorator, Dispatcher, Provider, Worker } from './base-plugin.js';

export type Role = 'worker' | 'dispatcher' | 'decorator' | 'connector' | 'provider' | 'archiver';

const has = (plugin: object, method: string) => typeof (plugin as Record<string, unknown>)[method] === 'function';

/**
 * Roles come from the methods a plugin implements, not from its base class, so a class can play
 * several (JavaScript has single inheritance) and plugins built against another copy of rxstoq
 * still work.
 */
export const ROLE_METHODS: Record<Role, string[]> = {
  worker: ['scan'],
  dispatcher: ['getDispatches'],
  decorator: ['decorate'],
  connector: ['save'],
  provider: ['ingest'],
  archiver: ['archive', 'get'],
};

export function rolesOf(plugin: object): Role[] {
  return (Object.keys(ROLE_METHODS) as Role[]).filter((role) => ROLE_METHODS[role].some((m) => has(plugin, m)));
}

export function playsRole(plugin: BasePlugin, role: Role): boolean {
  return ROLE_METHODS[role].some((m) => has(plugin, m));
}

export const isWorker = (p: BasePlugin): p is Worker => has(p, 'scan');
export const isDispatcher = (p: BasePlugin): p is Dispatcher => has(p, 'getDispatches');
export const isDecorator = (p: BasePlugin): p is Decorator => has(p, 'decorate');
export const isConnector = (p: BasePlugin): p is Connector => has(p, 'save');
export const isProvider = (p: BasePlugin): p is Provider => has(p, 'ingest');
export const isArchiver = (p: BasePlugin): p is Archiver => has(p, 'archive') || has(p, 'get');
