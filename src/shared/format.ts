/** Vietnamese display formats: 1.500.000 đ, 97,3%. */
const vnd = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 0 });
const pct = new Intl.NumberFormat('vi-VN', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function formatVnd(n: number | bigint): string {
  return `${vnd.format(n)} đ`;
}

export function formatCount(n: number | bigint): string {
  return vnd.format(n);
}

export function formatPercent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${pct.format((100 * part) / whole)}%`;
}
