/** An order line. */
export interface OrderLine {
  readonly sku: string;
  readonly quantity: number;
  readonly unitPrice: number;
}

/** A status change kept in the order's history. */
export interface StatusEntry {
  readonly status: string;
  readonly at: string;
}

/** An order as the service stores it. */
export interface Order {
  readonly orderId: string;
  readonly tenantId: string;
  readonly customerId: string;
  readonly items: readonly OrderLine[];
  readonly totalAmount: number;
  status: string;
  readonly history: StatusEntry[];
}
