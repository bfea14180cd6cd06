using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Datum.Networking.Ipam;

/// <summary>
/// An IPv4 or IPv6 prefix (<c>10.128.0.0/9</c>, <c>fd20::/20</c>) with the arithmetic the IPAM needs: containment,
/// overlap, aligned blocks. Addresses are held as <see cref="UInt128"/> (IPv4 in the low 32 bits).
/// </summary>
public readonly record struct Cidr(bool IsV6, UInt128 Start, int PrefixLength)
{
    /// <summary>Address width in bits (32 or 128).</summary>
    public int Bits => IsV6 ? 128 : 32;

    /// <summary>The family name as the API spells it.</summary>
    public string Family => IsV6 ? IpFamilies.IPv6 : IpFamilies.IPv4;

    /// <summary>Number of addresses (saturating at <see cref="UInt128.MaxValue"/> for ::/0).</summary>
    public UInt128 Size => Bits - PrefixLength >= 128 ? UInt128.MaxValue : UInt128.One << (Bits - PrefixLength);

    /// <summary>The last address.</summary>
    public UInt128 End => Start + (Size - 1);

    /// <summary>The network address as an <see cref="IPAddress"/>.</summary>
    public IPAddress StartAddress => ToAddress(Start, IsV6);

    /// <summary>Whether <paramref name="other"/> lies entirely inside this prefix.</summary>
    public bool Contains(Cidr other) => other.IsV6 == IsV6 && other.PrefixLength >= PrefixLength && other.Start >= Start && other.End <= End;

    /// <summary>Whether the address lies inside this prefix.</summary>
    public bool Contains(UInt128 address) => address >= Start && address <= End;

    /// <summary>Whether the two prefixes share an address.</summary>
    public bool Overlaps(Cidr other) => other.IsV6 == IsV6 && other.Start <= End && Start <= other.End;

    /// <inheritdoc />
    public override string ToString() => $"{StartAddress}/{PrefixLength.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A name-safe spelling for object names: <c>10-128-0-0-20</c>, <c>fd20-0-1---48</c>.</summary>
    public string ToName() => ToString().Replace('.', '-').Replace(':', '-').Replace('/', '-');

    /// <summary>Parses <c>address/length</c>; the address must be the network address (host bits zero).</summary>
    public static bool TryParse(string? text, out Cidr cidr, out string error)
    {
        cidr = default;
        error = "";
        if (string.IsNullOrEmpty(text)) { error = "must be a CIDR such as 10.128.0.0/9"; return false; }
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0) { error = "must be a CIDR (address/prefix-length), such as 10.128.0.0/9"; return false; }
        if (!TryParseAddress(text[..slash], out var start, out var v6)) { error = $"'{text[..slash]}' is not an IP address"; return false; }
        var bits = v6 ? 128 : 32;
        if (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > bits)
        {
            error = $"the prefix length must be a number from 0 to {bits}";
            return false;
        }
        var candidate = new Cidr(v6, start, length);
        var aligned = Align(start, length, v6);
        if (aligned != start)
        {
            error = $"host bits must be zero: did you mean {new Cidr(v6, aligned, length)}?";
            return false;
        }
        cidr = candidate;
        return true;
    }

    /// <summary>Parses a prefix known to be valid.</summary>
    public static Cidr Parse(string text) => TryParse(text, out var c, out var e) ? c : throw new FormatException($"{text}: {e}");

    /// <summary>Parses an IPv4 or IPv6 address into its number.</summary>
    public static bool TryParseAddress(string? text, out UInt128 value, out bool isV6)
    {
        value = 0;
        isV6 = false;
        if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var ip)) return false;
        // IPAddress.TryParse accepts "1" or "1.2" as IPv4 shorthands; insist on the dotted quad.
        if (ip.AddressFamily == AddressFamily.InterNetwork && text.Count(c => c == '.') != 3) return false;
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && ip.ScopeId != 0) return false;
        isV6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        var bytes = ip.GetAddressBytes();
        foreach (var b in bytes) value = (value << 8) | b;
        return true;
    }

    /// <summary>The number back to an address.</summary>
    public static IPAddress ToAddress(UInt128 value, bool isV6)
    {
        var bytes = new byte[isV6 ? 16 : 4];
        for (var i = bytes.Length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xff);
            value >>= 8;
        }
        return new IPAddress(bytes);
    }

    /// <summary><paramref name="address"/> with the host bits of a /<paramref name="length"/> cleared.</summary>
    public static UInt128 Align(UInt128 address, int length, bool isV6)
    {
        var hostBits = (isV6 ? 128 : 32) - length;
        if (hostBits >= 128) return 0;
        return hostBits == 0 ? address : address & ~((UInt128.One << hostBits) - 1);
    }

    /// <summary>
    /// The lowest /<paramref name="length"/> block inside <paramref name="range"/> that overlaps none of
    /// <paramref name="used"/>, or null when the range is exhausted for that size.
    /// </summary>
    public static Cidr? FirstFree(Cidr range, int length, IEnumerable<Cidr> used)
    {
        if (length < range.PrefixLength || length > range.Bits) return null;
        var sorted = used.Where(u => u.Overlaps(range)).OrderBy(u => u.Start).ToList();
        var size = new Cidr(range.IsV6, 0, length).Size;
        var candidate = range.Start;
        var i = 0;
        while (candidate <= range.End && candidate + (size - 1) <= range.End && candidate + (size - 1) >= candidate)
        {
            var block = new Cidr(range.IsV6, candidate, length);
            // Skip used prefixes entirely before the block.
            while (i < sorted.Count && sorted[i].End < block.Start) i++;
            var blocker = default(Cidr?);
            for (var j = i; j < sorted.Count && sorted[j].Start <= block.End; j++)
            {
                if (sorted[j].Overlaps(block) && (blocker is null || sorted[j].End > blocker.Value.End)) blocker = sorted[j];
            }
            if (blocker is null) return block;
            var next = blocker.Value.End + 1;
            if (next == 0) return null; // wrapped past the end of the address space
            var aligned = Align(next, length, range.IsV6);
            candidate = aligned == next ? next : aligned + size;
            if (candidate < aligned) return null;
        }
        return null;
    }
}

/// <summary>The IP family names of the API.</summary>
public static class IpFamilies
{
    /// <summary>IPv4.</summary>
    public const string IPv4 = "IPv4";

    /// <summary>IPv6.</summary>
    public const string IPv6 = "IPv6";
}
