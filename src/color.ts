/** The two colors of a blue-green deployment: the one definition every layer spells them by. */

/** Every color, in the order a first deployment picks them. */
export const COLORS = ["blue", "green"] as const;

/** A color a deployment brings up. */
export type Color = typeof COLORS[number];

/** True when `value` names a color. */
export function isColor(value: unknown): value is Color {
  return (COLORS as readonly unknown[]).includes(value);
}

/** The color that is not `color`: where the next deployment goes. */
export function otherColor(color: Color): Color {
  return color === COLORS[0] ? COLORS[1] : COLORS[0];
}
