using System.Globalization;
using System.Text.RegularExpressions;

namespace CohortSync.Sandbox.Iterable;

/// <summary>
/// Iterable's identifier checks as the sandbox enforces them, written apart from the connector's on purpose (a simulator
/// that shares the client's code proves nothing). User ids: non-empty, at most 52 characters, printable ASCII, no trailing
/// space. Emails: Apache Commons <c>EmailValidator</c> rules with a TLD check against a list (by default every
/// country-code TLD and the common generic ones: a subset of IANA's list that tests can change on the sandbox).
/// </summary>
public static partial class IterableValidation
{
    private static readonly string[] CountryCodes =
        ("ac ad ae af ag ai al am ao aq ar as at au aw ax az ba bb bd be bf bg bh bi bj bm bn bo br bs bt bw by bz ca cc cd cf cg ch ci ck cl cm cn co cr cu cv cw cx cy cz "
        + "de dj dk dm do dz ec ee eg er es et eu fi fj fk fm fo fr ga gb gd ge gf gg gh gi gl gm gn gp gq gr gs gt gu gw gy hk hm hn hr ht hu id ie il im in io iq ir is it "
        + "je jm jo jp ke kg kh ki km kn kp kr kw ky kz la lb lc li lk lr ls lt lu lv ly ma mc md me mg mh mk ml mm mn mo mp mq mr ms mt mu mv mw mx my mz na nc ne nf ng ni nl no np nr nu nz "
        + "om pa pe pf pg ph pk pl pm pn pr ps pt pw py qa re ro rs ru rw sa sb sc sd se sg sh si sk sl sm sn so sr ss st su sv sx sy sz tc td tf tg th tj tk tl tm tn to tr tt tv tw tz "
        + "ua ug uk us uy uz va vc ve vg vi vn vu wf ws ye yt za zm zw").Split(' ');

    private static readonly string[] Generic =
        ("com net org edu gov mil int arpa info biz name pro aero coop museum mobi asia tel travel jobs cat post xxx "
        + "app dev io ai email online site shop store tech cloud xyz club live news blog page web digital media agency company "
        + "solutions services network systems group global world today life love team studio design software").Split(' ');

    /// <summary>The default top-level domains emails may end in.</summary>
    public static IReadOnlyCollection<string> DefaultTlds { get; } = [.. CountryCodes, .. Generic];

    /// <summary>True when Iterable would take the user id.</summary>
    public static bool IsValidUserId(string? userId) =>
        !string.IsNullOrEmpty(userId) && userId.Length <= 52 && userId.All(c => c is >= ' ' and <= '~') && userId[^1] != ' ';

    /// <summary>True when Iterable would take the email, given the TLDs it knows.</summary>
    public static bool IsValidEmail(string? email, IReadOnlySet<string> knownTlds)
    {
        if (string.IsNullOrEmpty(email) || email.EndsWith('.'))
        {
            return false;
        }

        var whole = Email().Match(email);
        if (!whole.Success)
        {
            return false;
        }

        var user = whole.Groups[1].Value;
        var domain = whole.Groups[2].Value;
        if (user.Length > 64 || !User().IsMatch(user))
        {
            return false;
        }

        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            return System.Net.IPAddress.TryParse(domain[1..^1], out _);
        }

        string ascii;
        try
        {
            ascii = new IdnMapping().GetAscii(domain);
        }
        catch (ArgumentException)
        {
            return false;
        }

        var name = Domain().Match(ascii);
        return ascii.Length <= 253 && name.Success && knownTlds.Contains(name.Groups[1].Value);
    }

    [GeneratedRegex("""\A([^\n\r]+)@([^ \t\n\x0B\f\r]+)\z""", RegexOptions.CultureInvariant)]
    private static partial Regex Email();

    [GeneratedRegex(
        """\A(?:(?:\\.|[^ \t\n\x0B\f\r\x00-\x1F\x7F()<>@,;:'\\".\[\]]|')+|"(?:\\"|[^"])*")(?:\.(?:(?:\\.|[^ \t\n\x0B\f\r\x00-\x1F\x7F()<>@,;:'\\".\[\]]|')+|"(?:\\"|[^"])*"))*\z""",
        RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex User();

    [GeneratedRegex(@"\A(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex Domain();
}
