using System.Runtime.CompilerServices;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Datum.Runtime.Metrics;

/// <summary>
/// Counters, gauges and histograms with labels, rendered in the Prometheus text exposition format (0.0.4).
/// Thread-safe; recording is lock-free per series except histograms (one small lock per series).
/// </summary>
public sealed class MetricsRegistry
{
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);

    /// <summary>A counter family (created on first use).</summary>
    public CounterFamily Counter(string name, string help, params string[] labels) =>
        (CounterFamily)_families.GetOrAdd(name, _ => new CounterFamily(name, help, labels));

    /// <summary>A gauge family (created on first use).</summary>
    public GaugeFamily Gauge(string name, string help, params string[] labels) =>
        (GaugeFamily)_families.GetOrAdd(name, _ => new GaugeFamily(name, help, labels));

    /// <summary>A histogram family with upper bounds <paramref name="buckets"/> (created on first use).</summary>
    public HistogramFamily Histogram(string name, string help, double[] buckets, params string[] labels) =>
        (HistogramFamily)_families.GetOrAdd(name, _ => new HistogramFamily(name, help, buckets, labels));

    /// <summary>The whole registry as Prometheus text.</summary>
    public string Render()
    {
        var text = new StringBuilder();
        foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal)) family.Render(text);
        return text.ToString();
    }

    internal static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    internal static string Labels(string[] names, string[] values, string? extraName = null, string? extraValue = null)
    {
        if (names.Length == 0 && extraName is null) return "";
        var text = new StringBuilder("{");
        for (var i = 0; i < names.Length; i++)
        {
            if (i > 0) text.Append(',');
            text.Append(names[i]).Append("=\"").Append(Escape(values[i])).Append('"');
        }
        if (extraName is not null)
        {
            if (names.Length > 0) text.Append(',');
            text.Append(extraName).Append("=\"").Append(extraValue).Append('"');
        }
        return text.Append('}').ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>A named metric with label names.</summary>
public abstract class MetricFamily(string name, string help, string type, string[] labels)
{
    /// <summary>The metric name.</summary>
    public string Name { get; } = name;

    /// <summary>The label names.</summary>
    protected string[] LabelNames { get; } = labels;

    internal void Render(StringBuilder text)
    {
        text.Append("# HELP ").Append(Name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
        RenderSeries(text);
    }

    /// <summary>Writes every series.</summary>
    protected abstract void RenderSeries(StringBuilder text);

    /// <summary>The series key of label values.</summary>
    protected string Key(string[] values)
    {
        if (values.Length != LabelNames.Length) throw new ArgumentException($"{Name} takes {LabelNames.Length} label values");
        return string.Join('\u0001', values);
    }
}

/// <summary>A monotonically increasing count per label set.</summary>
public sealed class CounterFamily(string name, string help, string[] labels) : MetricFamily(name, help, "counter", labels)
{
    private readonly ConcurrentDictionary<string, (string[] Values, StrongBox<long> Count)> _series = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="by"/> to the series of <paramref name="labelValues"/>.</summary>
    public void Inc(long by, params string[] labelValues)
    {
        var box = _series.GetOrAdd(Key(labelValues), _ => (labelValues.ToArray(), new StrongBox<long>())).Count;
        Interlocked.Add(ref box.Value, by);
    }

    /// <summary>Adds one.</summary>
    public void Inc(params string[] labelValues) => Inc(1, labelValues);

    /// <summary>The current value of a series (0 when never recorded).</summary>
    public long Value(params string[] labelValues) => _series.TryGetValue(Key(labelValues), out var s) ? Interlocked.Read(ref s.Count.Value) : 0;

    /// <inheritdoc />
    protected override void RenderSeries(StringBuilder text)
    {
        foreach (var (values, count) in _series.Values)
        {
            text.Append(Name).Append(MetricsRegistry.Labels(LabelNames, values)).Append(' ').Append(Interlocked.Read(ref count.Value)).Append('\n');
        }
    }
}

/// <summary>A value per label set, set directly or read from a callback at render time.</summary>
public sealed class GaugeFamily(string name, string help, string[] labels) : MetricFamily(name, help, "gauge", labels)
{
    private readonly ConcurrentDictionary<string, (string[] Values, Func<double> Read)> _series = new(StringComparer.Ordinal);

    /// <summary>Sets a series to a fixed value.</summary>
    public void Set(double value, params string[] labelValues) => _series[Key(labelValues)] = (labelValues.ToArray(), () => value);

    /// <summary>Makes a series read <paramref name="read"/> whenever metrics are rendered.</summary>
    public void Track(Func<double> read, params string[] labelValues) => _series[Key(labelValues)] = (labelValues.ToArray(), read);

    /// <summary>Removes a series.</summary>
    public void Remove(params string[] labelValues) => _series.TryRemove(Key(labelValues), out _);

    /// <inheritdoc />
    protected override void RenderSeries(StringBuilder text)
    {
        foreach (var (values, read) in _series.Values)
        {
            text.Append(Name).Append(MetricsRegistry.Labels(LabelNames, values)).Append(' ').Append(MetricsRegistry.Format(read())).Append('\n');
        }
    }
}

/// <summary>Observations counted into cumulative buckets, with their sum and count.</summary>
public sealed class HistogramFamily(string name, string help, double[] buckets, string[] labels) : MetricFamily(name, help, "histogram", labels)
{
    private readonly ConcurrentDictionary<string, Series> _series = new(StringComparer.Ordinal);

    /// <summary>Default latency buckets in seconds (1 ms to 60 s).</summary>
    public static double[] LatencyBuckets { get; } = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Records one observation.</summary>
    public void Observe(double value, params string[] labelValues)
    {
        var series = _series.GetOrAdd(Key(labelValues), _ => new Series(labelValues.ToArray(), buckets.Length));
        lock (series)
        {
            for (var i = 0; i < buckets.Length; i++)
            {
                if (value <= buckets[i]) series.Counts[i]++;
            }
            series.Count++;
            series.Sum += value;
        }
    }

    /// <summary>How many observations a series has.</summary>
    public long Count(params string[] labelValues)
    {
        if (!_series.TryGetValue(Key(labelValues), out var series)) return 0;
        lock (series) return series.Count;
    }

    /// <inheritdoc />
    protected override void RenderSeries(StringBuilder text)
    {
        foreach (var series in _series.Values)
        {
            lock (series)
            {
                for (var i = 0; i < buckets.Length; i++)
                {
                    text.Append(Name).Append("_bucket").Append(MetricsRegistry.Labels(LabelNames, series.Values, "le", MetricsRegistry.Format(buckets[i])))
                        .Append(' ').Append(series.Counts[i]).Append('\n');
                }
                text.Append(Name).Append("_bucket").Append(MetricsRegistry.Labels(LabelNames, series.Values, "le", "+Inf")).Append(' ').Append(series.Count).Append('\n');
                text.Append(Name).Append("_sum").Append(MetricsRegistry.Labels(LabelNames, series.Values)).Append(' ').Append(MetricsRegistry.Format(series.Sum)).Append('\n');
                text.Append(Name).Append("_count").Append(MetricsRegistry.Labels(LabelNames, series.Values)).Append(' ').Append(series.Count).Append('\n');
            }
        }
    }

    private sealed class Series(string[] values, int buckets)
    {
        public string[] Values { get; } = values;
        public long[] Counts { get; } = new long[buckets];
        public long Count { get; set; }
        public double Sum { get; set; }
    }
}
