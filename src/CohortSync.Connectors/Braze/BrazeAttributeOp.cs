namespace CohortSync.Connectors.Braze;

/// <summary>What one attributes object does to its user's cohort attribute.</summary>
public enum BrazeAttributeOp
{
    /// <summary><c>{"attr": {"add": [value]}}</c>: adds the cohort to the array attribute.</summary>
    ArrayAdd,

    /// <summary><c>{"attr": {"remove": [value]}}</c>: removes the cohort from the array attribute.</summary>
    ArrayRemove,

    /// <summary><c>{"attr": true}</c>: the user is in the cohort.</summary>
    SetTrue,

    /// <summary><c>{"attr": false}</c>: the user left the cohort.</summary>
    SetFalse,
}
