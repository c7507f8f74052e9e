/** The backend's name in HAProxy: pybal's pool name, `<service>_<port>`, so `show stat` reads like /pools. */
export function backendName(service: { name: string; port: number }): string {
  return `${service.name}_${service.port}`;
}
