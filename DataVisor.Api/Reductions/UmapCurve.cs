namespace DataVisor.Api.Reductions;

/// <summary>
/// The low-dimensional similarity curve <c>1 / (1 + a·d^(2b))</c> UMAP optimises against, with a and b fitted
/// (as umap-learn's <c>find_ab_params</c> does with scipy's <c>curve_fit</c>) to a curve that is 1 up to
/// <c>minDist</c> and then decays as <c>exp(−(d − minDist) / spread)</c>.
/// </summary>
public readonly record struct UmapCurve(double A, double B)
{
    // umap-learn samples the target on 300 points over [0, 3·spread].
    private const int SamplePoints = 300;
    private const int MaxIterations = 200;

    public static UmapCurve Fit(double minDist, double spread)
    {
        var xs = new double[SamplePoints];
        var ys = new double[SamplePoints];
        for (var i = 0; i < SamplePoints; i++)
        {
            xs[i] = 3 * spread * i / (SamplePoints - 1);
            ys[i] = xs[i] < minDist ? 1 : Math.Exp(-(xs[i] - minDist) / spread);
        }

        // Levenberg–Marquardt from curve_fit's default start (1, 1); two parameters, so the normal
        // equations are a 2 × 2 solve.
        double a = 1, b = 1, damping = 1e-3;
        var cost = SquaredError(xs, ys, a, b);
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            double jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
            for (var i = 0; i < SamplePoints; i++)
            {
                var power = Math.Pow(xs[i], 2 * b);
                var denominator = 1 + a * power;
                var residual = 1 / denominator - ys[i];
                var dA = -power / (denominator * denominator);
                // d/db of x^(2b) is 2·ln(x)·x^(2b), which vanishes at x = 0 (where ln would be −∞).
                var dB = xs[i] > 0 ? -a * power * 2 * Math.Log(xs[i]) / (denominator * denominator) : 0;
                jaa += dA * dA;
                jab += dA * dB;
                jbb += dB * dB;
                ga += dA * residual;
                gb += dB * residual;
            }

            var improved = false;
            while (damping < 1e12)
            {
                var maa = jaa * (1 + damping);
                var mbb = jbb * (1 + damping);
                var determinant = maa * mbb - jab * jab;
                var stepA = -(mbb * ga - jab * gb) / determinant;
                var stepB = -(maa * gb - jab * ga) / determinant;
                var trialCost = SquaredError(xs, ys, a + stepA, b + stepB);
                if (trialCost < cost)
                {
                    var converged = Math.Abs(stepA) < 1e-12 * (1 + Math.Abs(a)) && Math.Abs(stepB) < 1e-12 * (1 + Math.Abs(b));
                    a += stepA;
                    b += stepB;
                    cost = trialCost;
                    damping = Math.Max(damping / 10, 1e-12);
                    improved = !converged;
                    break;
                }

                damping *= 10;
            }

            if (!improved)
            {
                break;
            }
        }

        return new UmapCurve(a, b);
    }

    private static double SquaredError(double[] xs, double[] ys, double a, double b)
    {
        var sum = 0.0;
        for (var i = 0; i < xs.Length; i++)
        {
            var residual = 1 / (1 + a * Math.Pow(xs[i], 2 * b)) - ys[i];
            sum += residual * residual;
        }

        return sum;
    }
}
