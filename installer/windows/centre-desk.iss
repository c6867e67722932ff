; Centre Desk - Windows installer (Inno Setup 6.2 or later).
;
; Build, on Windows, from the repository root:
;     python installer\build.py                   (the frozen app in dist\centre-desk\, the .ico
;                                                  and installer\build\version.ini)
;     iscc installer\windows\centre-desk.iss      (dist\centre-desk-<version>-windows-x64-setup.exe)
;
; What it does
; - Installs per machine, into Program Files (admin rights), with a Start-menu shortcut.
; - Upgrades in place: the AppId below never changes, so a newer setup finds the installed copy
;   and replaces its program files. It closes a running Centre Desk first (Restart Manager), so
;   the store is closed cleanly; the new version migrates the store on first sign-in, after
;   taking an encrypted copy into the data folder's backups\.
; - Never puts staff data in Program Files. Each member of staff's encrypted store lives in
;   their own per-user data folder, %LOCALAPPDATA%\CentreDesk\CentreDesk (or wherever
;   CENTRE_DESK_DATA points), which install, upgrade and uninstall all leave alone - unless, when
;   uninstalling, the person explicitly asks for it to be deleted too (see [Code] below).

#define AppName "Centre Desk"
#define AppExeName "centre-desk.exe"
#define AdminExeName "centre-desk-admin.exe"
#define DistDir "..\..\dist\centre-desk"
#define BuildDir "..\build"

#ifndef AppVersion
  #define AppVersion ReadIni(AddBackslash(SourcePath) + BuildDir + "\version.ini", "app", "version", "")
#endif
#if AppVersion == ""
  #error Run "python installer\build.py" first: it writes installer\build\version.ini
#endif

[Setup]
; The AppId identifies Centre Desk to Windows. NEVER change it: upgrades find the installed copy
; by it (and so install in place instead of side by side). The doubled brace is Inno's escape.
AppId={{6E0C2B71-3F7D-4C8E-9B0A-5D2F8E1A7C43}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Centre Desk contributors
VersionInfoVersion={#AppVersion}
; Per-machine, in Program Files.
PrivilegesRequired=admin
DefaultDirName={autopf}\Centre Desk
UsePreviousAppDir=yes
DisableDirPage=auto
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Close a running Centre Desk before replacing its files; do not restart it afterwards.
CloseApplications=yes
RestartApplications=no
OutputDir=..\..\dist
OutputBaseFilename=centre-desk-{#AppVersion}-windows-x64-setup
SetupIconFile={#BuildDir}\centre-desk.ico
UninstallDisplayIcon={app}\{#AppExeName}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; An upgrade first removes the old version's library folder, so that files a newer version no
; longer ships cannot linger and be loaded by mistake. Only program files live here.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; The whole one-folder app: centre-desk.exe, centre-desk-admin.exe and _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Comment: "Membership, referral and consent records"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[UninstallDelete]
; Program files only. The data folder is handled in [Code]: kept unless asked for.
Type: filesandordirs; Name: "{app}\_internal"

[Code]
{ Uninstalling keeps staff data.

  Inno Setup's [Tasks] (ticked boxes) exist only while installing; the uninstaller has no task
  page. The equivalent "also delete data" choice is therefore asked as a question at the end of
  the uninstall, and the answer defaults to No, so pressing Enter keeps the data:

  - interactive uninstall: "Also delete the Centre Desk data ... ?"  [Yes] / [No (default)];
  - silent uninstall (/SILENT, /VERYSILENT, as IT deployment tools run it): the data is kept,
    unless the command line says  /DELETEDATA=yes  explicitly.

  Only the data folder of the Windows account running the uninstaller is touched
  (%LOCALAPPDATA%\CentreDesk). Other staff members' folders on the same computer are never
  deleted by it; nor is a folder set with CENTRE_DESK_DATA. If an administrator's credentials
  were typed in to elevate (over-the-shoulder UAC), %LOCALAPPDATA% is the administrator's, and
  that is the folder the question names. The data is encrypted either way; records not yet
  synced to the central service exist only there, so the question says so. }

function DataFolder(): String;
begin
  Result := ExpandConstant('{localappdata}\CentreDesk');
end;

function WantsDataDeleted(Folder: String): Boolean;
begin
  if UninstallSilent() then
    Result := CompareText(ExpandConstant('{param:DELETEDATA|no}'), 'yes') = 0
  else
    Result := MsgBox('Also delete the Centre Desk data held for this Windows account?' + #13#10 + #13#10 +
      Folder + #13#10 + #13#10 +
      'It holds this computer''s encrypted store: households, consents, the audit log and the ' +
      'backups taken before upgrades. Anything not yet synced to the central service, and any ' +
      'backup not copied elsewhere, will be lost for good.' + #13#10 + #13#10 +
      'Choose No (the default) to keep it, for example to reinstall Centre Desk later.',
      mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  Folder: String;
begin
  if CurUninstallStep <> usPostUninstall then
    exit;
  Folder := DataFolder();
  if not DirExists(Folder) then
    exit;
  if WantsDataDeleted(Folder) then
  begin
    if (not DelTree(Folder, True, True, True)) and (not UninstallSilent()) then
      MsgBox('Some files could not be deleted from ' + Folder + '. Close any program using them and ' +
        'delete the folder by hand.', mbError, MB_OK);
  end
  else
    Log('Centre Desk data kept in ' + Folder);
end;
