package org.idefics4j.engine;

/**
 * The error function in double precision (the JDK has none): the test oracle for the engine's fast
 * float GELU. transformers' "gelu" is {@code 0.5·x·(1 + erf(x/√2))}, not the tanh approximation.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;

    private Erf() {
    }

    public static double erf(double x) {
        double a = Math.abs(x);
        if (Double.isNaN(x)) return x;
        double r;
        if (a < 3.5) {
            // Maclaurin series: erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)); below 3.5 the largest
            // term stays under 1e5, so double keeps ~1e-11 absolute accuracy.
            double x2 = a * a, term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -x2 / n;
                double t = term / (2 * n + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = TWO_OVER_SQRT_PI * sum;
        } else if (a < 6.5) {
            // erfc by its continued fraction (Lentz), accurate where the series is not
            r = 1 - erfcContinuedFraction(a);
        } else {
            r = 1;
        }
        return x < 0 ? -r : r;
    }

    private static double erfcContinuedFraction(double x) {
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
        double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int n = 1; n < 300; n++) {
            double an = n * 0.5;
            d = x + an * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) break;
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }
}
