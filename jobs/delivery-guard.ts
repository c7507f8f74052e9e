import type { Redis } from 'ioredis';

/**
 * Slack redelivers events it thinks were not acknowledged, Socket Mode included; acting twice on
 * an approval would be harmless here but confusing. The first delivery claims the id for a day.
 */
export class DeliveryGuard {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async firstTime(transport: string, deliveryId: string): Promise<boolean> {
    const claimed = await this.redis.set(`${this.prefix}:delivery:${transport}:${deliveryId}`, '1', 'EX', 86_400, 'NX');
    return claimed === 'OK';
  }
}
