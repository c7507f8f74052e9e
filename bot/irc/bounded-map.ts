/**
 * A Map that forgets its oldest entries past `max`: what the transport remembers about lines
 * (who sent a message, which line belongs to which message) must not grow with the channel's
 * whole history.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }

  override set(key: K, value: V): this {
    this.delete(key);
    super.set(key, value);
    for (const oldest of this.keys()) {
      if (this.size <= this.max) break;
      this.delete(oldest);
    }
    return this;
  }
}
